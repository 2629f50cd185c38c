import type { HistoryStore } from '../stores/history-store.js'
import type { RankedCache } from './ranked-cache.js'
import type { ServingModel } from './serving-model.js'

export interface RecommendRequest {
  userId?: string
  /** The user's recent items, most recent last; when given it is the sequence the model reads. */
  history?: string[]
  k: number
  exclude?: string[]
  excludeSeen: boolean
}

export interface RecommendedItem {
  itemId: string
  score: number
  rank: number
}

export interface Recommendation {
  userId: string | null
  modelVersion: number
  source: string
  items: RecommendedItem[]
}

export interface RecommenderOptions {
  /** Returns the model to serve; called once per request. */
  model: () => ServingModel
  /** The user's recent items, oldest first. */
  history: Pick<HistoryStore, 'recent'>
  ranked: RankedCache
  maxHistory: number
}

/** Turns a request into a ranked list: reads the user's history, ranks through the cache, filters. */
export class Recommender {
  readonly #options: RecommenderOptions

  constructor (options: RecommenderOptions) {
    this.#options = options
  }

  async recommend (request: RecommendRequest): Promise<Recommendation> {
    const { model: current, history, ranked, maxHistory } = this.#options
    const model = current()
    const stored = request.userId === undefined ? new Int32Array(0) : toIndices(await history.recent(request.userId, maxHistory), model)
    const given = request.history === undefined ? undefined : toIndices(request.history, model)
    const sequence = given ?? stored

    const excluded = new Set<number>()
    if (request.excludeSeen) {
      for (const index of stored) excluded.add(index)
      if (given !== undefined) for (const index of given) excluded.add(index)
    }
    if (request.exclude !== undefined) for (const index of toIndices(request.exclude, model)) excluded.add(index)

    const ranking = await ranked.rank(model, sequence, request.k + excluded.size)
    const items: RecommendedItem[] = []
    for (let i = 0; i < ranking.items.length && items.length < request.k; i++) {
      const index = ranking.items[i]
      if (excluded.has(index)) continue
      items.push({ itemId: model.items.id(index), score: ranking.scores[i], rank: items.length + 1 })
    }
    return { userId: request.userId ?? null, modelVersion: model.version, source: model.source, items }
  }
}

/** Known items only: an item the model has never seen carries no signal for it. */
function toIndices (ids: readonly string[], model: ServingModel): Int32Array {
  const indices: number[] = []
  for (const id of ids) {
    const index = model.items.index(id)
    if (index !== undefined) indices.push(index)
  }
  return Int32Array.from(indices)
}
