import type { PopularityScorer } from '../models/popularity.js'
import { topK } from '../models/top-k.js'
import type { Allowed, RankedItems } from './servable.js'

/** What a PopularRanking holds, computed once (in a loading thread for a large catalogue): shares and their order. */
export interface PopularOrder {
  shares: Float32Array
  order: RankedItems
}

/** Each item's share of all counts, and every item ranked by it (a sort of the catalogue). */
export function popularOrder (counts: ArrayLike<number>): PopularOrder {
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i]
  const shares = Float32Array.from(counts, (c) => total === 0 ? 0 : c / total)
  const ranked = topK(shares, counts.length)
  return { shares, order: { items: Int32Array.from(ranked, (r) => r.index), scores: Float32Array.from(ranked, (r) => r.score) } }
}

/**
 * The popularity model (the same PopularityScorer evaluation scores) ordered once for serving:
 * an unfiltered request slices the order, a filtered one takes the top of the counts among allowed
 * items. Scores are shares of all counts.
 */
export class PopularRanking {
  readonly #order: RankedItems
  readonly #shares: Float32Array

  constructor (source: Pick<PopularityScorer, 'counts'> | PopularOrder) {
    const { shares, order } = 'order' in source ? source : popularOrder(source.counts)
    this.#shares = shares
    this.#order = order
  }

  rank (depth: number, allowed: Allowed): RankedItems {
    if (allowed === undefined) {
      const n = Math.min(depth, this.#order.items.length)
      return { items: this.#order.items.subarray(0, n), scores: this.#order.scores.subarray(0, n) }
    }
    const ranked = topK(this.#shares, depth, (i) => allowed[i] === 0)
    return { items: Int32Array.from(ranked, (r) => r.index), scores: Float32Array.from(ranked, (r) => r.score) }
  }
}
