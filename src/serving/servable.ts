import type { ItemIds } from '../data/packed-ids.js'
import type { Attribution } from '../models/student-encoder.js'

/** A ranked candidate list on a servable's dense item indices, best first. */
export interface RankedItems {
  items: Int32Array
  scores: Float32Array
}

/** What a ranking may include: 1 = allowed (a genre filter's mask); undefined = every item. */
export type Allowed = Uint8Array | undefined

/** A model that ranks from a user's history: encode it once, then rank the vector. */
export interface Ranker {
  /** The user vector for a non-empty history of known items. */
  encode (history: Int32Array): Float32Array
  /** The best `depth` allowed items for a user vector; leaving seen items out is the caller's. */
  rank (vector: Float32Array, depth: number, allowed: Allowed): Promise<RankedItems>
  /** For each of `items`, the history item that adds most to its score (exact for the pooled student). */
  explain (history: Int32Array, items: Int32Array): Attribution[]
}

/**
 * One loaded model version as requests see it (TF Serving's servable). A request takes a handle
 * from the registry once and uses only it, so a swap mid-request cannot mix two versions.
 */
export interface Servable {
  /** Increasing integer; 0 is the built-in popularity model that serves before any student. */
  readonly version: number
  readonly kind: 'student' | 'popular'
  /** The version's own catalogue: dense index <-> item id. */
  readonly items: ItemIds
  /** Items by popularity: what a user with no known items gets. */
  popular (depth: number, allowed: Allowed): RankedItems
  /** Personal rankings; absent for popularity. */
  readonly ranker?: Ranker
  /** Releases tensors and timers; called by the registry once no request holds the version. */
  dispose (): void
}
