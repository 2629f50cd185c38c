import type { ItemIds } from '../data/packed-ids.js'
import type { ItemInfo } from '../data/item-metadata.js'
import type { AnswerCache } from './answer-cache.js'
import { ItemCatalog } from './item-catalog.js'
import type { Because, Recommendation, RecommendedItem } from './recommendation.js'
import type { ModelRegistry } from './model-registry.js'
import { historyHash, keyFromHash, type RankedCache } from './ranked-cache.js'
import type { Allowed, RankedItems, Ranker, Servable } from './servable.js'
import type { KnownItems, UserHistory } from './user-history.js'
import type { UserVectorCache } from './user-vector-cache.js'

export type IncludeField = 'title' | 'genres' | 'because'
export type { Recommendation, RecommendedItem } from './recommendation.js'

export interface RecommendRequest {
  userId?: string
  /** The user's recent items, most recent last; when given it is the sequence the model reads. */
  history?: readonly string[]
  k: number
  exclude?: readonly string[]
  excludeSeen: boolean
  /** Only items with at least one of these genres (applied before the top k is cut). */
  genres?: readonly string[]
  include?: readonly IncludeField[]
}

export interface RecommenderOptions {
  registry: ModelRegistry
  /** The user's recent items, oldest first, on the served version's catalogue (`recentNow`: at once, where it can). */
  history: Pick<UserHistory, 'recent'> & Partial<Pick<UserHistory, 'recentNow'>>
  ranked: RankedCache
  vectors: UserVectorCache
  /** Titles and genres by item id; empty when no items file is configured. */
  metadata: ReadonlyMap<string, ItemInfo>
  maxHistory: number
  /** Finished answers by version, user and request shape; absent = every request is answered anew. */
  answers?: AnswerCache
  /** An answer served from `answers` (a student one stands in for a ranking-cache hit). */
  onAnswerHit?: (source: Recommendation['source']) => void
  onVector?: (result: 'hit' | 'computed') => void
}

const NONE: KnownItems = { indices: new Int32Array(0), ignored: 0 }

export class UnknownGenreError extends Error {
  constructor (readonly genres: string[], known: readonly string[]) {
    super(`unknown genre ${genres.map((g) => JSON.stringify(g)).join(', ')}; known: ${known.length === 0 ? 'none (no ITEMS_PATH)' : known.join(', ')}`)
  }
}

/**
 * Turns a request into a ranked list from one version: reads the user's history, ranks through
 * the cache (student for users with known items, popularity for the rest), filters what the user
 * has seen or excluded, and describes the items.
 */
export class Recommender {
  readonly #options: RecommenderOptions
  readonly #catalogs = new WeakMap<Servable, ItemCatalog>()

  constructor (options: RecommenderOptions) {
    this.#options = options
  }

  async recommend (request: RecommendRequest): Promise<Recommendation> {
    const lease = this.#options.registry.acquire()
    try {
      return await this.#recommend(lease.servable, request)
    } finally {
      lease.release()
    }
  }

  /**
   * The finished answer `recommend` would resolve to, returned at once when this replica holds it
   * and the history can be read at once (the memory store): a cache hit without a promise. Undefined
   * otherwise: then call `recommend`.
   */
  answered (request: RecommendRequest): Recommendation | undefined {
    const { history, maxHistory, answers } = this.#options
    if (answers?.enabled !== true || request.userId === undefined || request.history !== undefined || history.recentNow === undefined) return undefined
    const lease = this.#options.registry.acquire()
    try {
      const { servable } = lease
      const stored = history.recentNow(request.userId, maxHistory, servable.items)
      return stored === undefined ? undefined : this.#held(answers, answerKey(servable.version, request.userId, request), stored)
    } finally {
      lease.release()
    }
  }

  async #recommend (servable: Servable, request: RecommendRequest): Promise<Recommendation> {
    const { history, maxHistory, answers } = this.#options
    const stored = request.userId === undefined ? NONE : await history.recent(request.userId, maxHistory, servable.items)
    // a user's own history is all an answer depends on besides the version and the request's shape
    if (answers?.enabled !== true || request.userId === undefined || request.history !== undefined) {
      return await this.#answer(servable, request, stored)
    }
    const key = answerKey(servable.version, request.userId, request)
    const cached = this.#held(answers, key, stored)
    if (cached !== undefined) return cached
    const recommendation = await this.#answer(servable, request, stored)
    answers.set(key, stored, recommendation)
    return { ...recommendation }
  }

  /** A copy of the answer held under `key` for exactly this history, counted as a hit. */
  #held (answers: AnswerCache, key: string, stored: KnownItems): Recommendation | undefined {
    const cached = answers.get(key, stored)
    if (cached === undefined) return undefined
    this.#options.onAnswerHit?.(cached.recommendation.source)
    return { ...cached.recommendation }
  }

  async #answer (servable: Servable, request: RecommendRequest, stored: KnownItems): Promise<Recommendation> {
    const { ranked } = this.#options
    const given = request.history === undefined ? undefined : toIndices(request.history, servable.items)
    const sequence = given ?? stored

    const excluded = new Set<number>()
    if (request.excludeSeen) {
      for (const index of stored.indices) excluded.add(index)
      if (given !== undefined) for (const index of given.indices) excluded.add(index)
    }
    if (request.exclude !== undefined) for (const index of toIndices(request.exclude, servable.items).indices) excluded.add(index)

    let allowed: Allowed
    let filter: string | undefined
    if (request.genres !== undefined && request.genres.length > 0) {
      const catalog = this.#catalog(servable)
      const unknown = catalog.unknownGenres(request.genres)
      if (unknown.length > 0) throw new UnknownGenreError(unknown, catalog.genres())
      allowed = catalog.allowed(request.genres)
      filter = 'g' + [...new Set(request.genres.map((g) => g.toLowerCase()))].sort().join(',')
    }

    const limit = request.k + excluded.size
    const ranker = sequence.indices.length > 0 ? servable.ranker : undefined
    let ranking: RankedItems
    if (ranker === undefined) {
      ranking = servable.popular(limit, allowed)
    } else {
      const hash = historyHash(sequence.indices)
      ranking = await ranked.rank(keyFromHash(servable.version, hash, filter), limit, async (depth) => {
        const vector = this.#vector(servable.version, ranker, request, sequence.indices, hash, given === undefined)
        return await ranker.rank(vector, depth, allowed)
      })
    }

    const items: RecommendedItem[] = []
    const indices: number[] = []
    const include = request.include ?? []
    const catalog = include.includes('title') || include.includes('genres') ? this.#catalog(servable) : undefined
    for (let i = 0; i < ranking.items.length && items.length < request.k; i++) {
      const index = ranking.items[i]
      if (excluded.has(index)) continue
      const item: RecommendedItem = { itemId: servable.items.id(index), score: ranking.scores[i], rank: items.length + 1 }
      if (catalog !== undefined) describe(item, catalog.info(index), include)
      items.push(item)
      indices.push(index)
    }
    if (include.includes('because')) explain(items, ranker === undefined ? undefined : { ranker, servable, history: sequence.indices, indices })
    return {
      userId: request.userId ?? null,
      modelVersion: servable.version,
      source: ranker === undefined ? 'popular' : 'student',
      items,
      ignoredItems: sequence.ignored
    }
  }

  /** Per user (and only for the stored history, which is what the cache entry describes). */
  #vector (version: number, ranker: Ranker, request: RecommendRequest, sequence: Int32Array, hash: string, fromStore: boolean): Float32Array {
    const { vectors, onVector } = this.#options
    if (request.userId === undefined || !fromStore) return ranker.encode(sequence)
    const cached = vectors.get(version, request.userId, hash)
    if (cached !== undefined) {
      onVector?.('hit')
      return cached
    }
    const vector = ranker.encode(sequence)
    vectors.set(version, request.userId, hash, vector)
    onVector?.('computed')
    return vector
  }

  #catalog (servable: Servable): ItemCatalog {
    let catalog = this.#catalogs.get(servable)
    if (catalog === undefined) {
      catalog = new ItemCatalog(servable.items.ids(), this.#options.metadata)
      this.#catalogs.set(servable, catalog)
    }
    return catalog
  }
}

/**
 * Everything of a user's request that shapes the answer besides the history. Unambiguous however
 * the ids are spelt: the fixed fields first, the user id length-prefixed, the lists as JSON.
 */
function answerKey (version: number, userId: string, { k, excludeSeen, exclude, genres, include }: RecommendRequest): string {
  return `${version}:${k}:${excludeSeen ? 1 : 0}:${include?.join(',') ?? ''}:${userId.length}:${userId}${list(genres)}${list(exclude)}`
}

function list (ids: readonly string[] | undefined): string {
  return ids === undefined || ids.length === 0 ? '-' : JSON.stringify(ids)
}

const POPULAR: Because = Object.freeze({ kind: 'popular' })

/** Each item's `because`: the history item adding most to its score, or, for popularity, that it is popular. */
function explain (items: RecommendedItem[], from: { ranker: Ranker, servable: Servable, history: Int32Array, indices: number[] } | undefined): void {
  if (from === undefined) {
    for (const item of items) item.because = POPULAR
    return
  }
  const { ranker, servable, history, indices } = from
  const attributions = ranker.explain(history, Int32Array.from(indices))
  for (let i = 0; i < attributions.length; i++) {
    const { item, contribution } = attributions[i]
    items[i].because = { kind: 'history', itemId: servable.items.id(item), contribution }
  }
}

function describe (item: RecommendedItem, info: ItemInfo | undefined, include: readonly IncludeField[]): void {
  if (info === undefined) return
  if (include.includes('title') && info.title !== undefined) item.title = info.title
  if (include.includes('genres')) item.genres = info.genres
}

/** Known items only: an item the model has never seen carries no signal for it. */
function toIndices (ids: readonly string[], items: ItemIds): KnownItems {
  const indices: number[] = []
  for (const id of ids) {
    const index = items.index(id)
    if (index !== undefined) indices.push(index)
  }
  return { indices: Int32Array.from(indices), ignored: ids.length - indices.length }
}
