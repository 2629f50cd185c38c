import type { Dataset } from '../data/dataset.js'
import type { IdMap } from '../data/id-map.js'
import type { RankedItems, ServingModel } from './serving-model.js'

/**
 * Most popular items first. Serves before any trained model exists and stays the cold-start fallback.
 * The whole ranking is computed once at load; a request only slices it.
 */
export class PopularModel implements ServingModel {
  readonly kind = 'popular'
  readonly source = 'popular'
  readonly historyDependent = false
  readonly #ranking: RankedItems

  constructor (readonly items: IdMap, counts: ArrayLike<number>, readonly version = 0) {
    const order = Array.from({ length: items.size }, (_, i) => i)
      .sort((a, b) => counts[b] - counts[a] || a - b)
    let total = 0
    for (let i = 0; i < items.size; i++) total += counts[i]
    this.#ranking = {
      items: Int32Array.from(order),
      scores: Float32Array.from(order, i => total === 0 ? 0 : counts[i] / total)
    }
  }

  static fromDataset (dataset: Dataset, version = 0): PopularModel {
    const counts = new Float64Array(dataset.items.size)
    for (const sequence of dataset.sequences) {
      for (const item of sequence) counts[item]++
    }
    return new PopularModel(dataset.items, counts, version)
  }

  rank (_history: Int32Array, limit: number): RankedItems {
    const n = Math.min(limit, this.#ranking.items.length)
    return { items: this.#ranking.items.subarray(0, n), scores: this.#ranking.scores.subarray(0, n) }
  }
}
