import type { IdMap } from '../data/id-map.js'

/** A ranked candidate list on dense item indices, best first. */
export interface RankedItems {
  items: Int32Array
  scores: Float32Array
}

/**
 * What /recommend serves from. A request takes the current model once and uses only it,
 * so a swap mid-request cannot mix two versions.
 */
export interface ServingModel {
  /** Increasing integer; 0 is the built-in popularity model that serves before any trained one. */
  readonly version: number
  readonly kind: string
  /** The `source` reported to clients and in metrics. */
  readonly source: string
  readonly items: IdMap
  /** False when the ranking ignores the history (then one cache entry serves every user). */
  readonly historyDependent: boolean
  /** The best `limit` items for a user whose recent items are `history` (oldest first). */
  rank (history: Int32Array, limit: number): RankedItems
}
