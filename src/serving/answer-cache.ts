import { ExpiringLru, type ExpiringLruOptions } from './expiring-lru.js'
import type { Recommendation } from './recommendation.js'
import type { KnownItems } from './user-history.js'

export type AnswerCacheOptions = ExpiringLruOptions

/** What a cached answer holds: the list, frozen (every response shares it), and the history it answers. */
export interface CachedAnswer {
  /** Frozen, items included: copy the object to add a per-response field, never change it. */
  recommendation: Recommendation
  history: Int32Array
  ignored: number
}

/**
 * Finished answers of this replica, by version, user and request shape (`k`, filters, includes),
 * least recently used dropped first. An entry answers only the exact history it was computed from
 * (compared item by item, not by a hash), so a new event, here or on another replica, is never
 * answered from a stale entry, and no collision can hand one user's list to another: the key names
 * the user and the version. A hit skips the seen-item set, the history hash, the ranking-cache
 * look-up and the item descriptions, and its item list is serialised once (recommendation-json.ts).
 */
export class AnswerCache {
  readonly #entries: ExpiringLru<CachedAnswer>

  constructor (options: AnswerCacheOptions) {
    this.#entries = new ExpiringLru(options)
  }

  get size (): number {
    return this.#entries.size
  }

  get enabled (): boolean {
    return this.#entries.enabled
  }

  /** The answer stored under `key` for exactly this history, if it has not expired. */
  get (key: string, history: KnownItems): CachedAnswer | undefined {
    return this.#entries.get(key, (entry) => entry.ignored === history.ignored && sameItems(entry.history, history.indices))
  }

  /** Stores a copy of the history and freezes the answer's items, which every later hit shares. */
  set (key: string, history: KnownItems, recommendation: Recommendation): void {
    if (!this.enabled) return
    for (const item of recommendation.items) Object.freeze(item)
    Object.freeze(recommendation.items)
    this.#entries.set(key, { recommendation: Object.freeze({ ...recommendation }), history: history.indices.slice(), ignored: history.ignored })
  }
}

function sameItems (a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
