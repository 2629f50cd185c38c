import type { Recommendation } from './recommendation.js'
import type { KnownItems } from './user-history.js'

export interface AnswerCacheOptions {
  maxEntries: number
  /** 0 turns the cache off. */
  ttlMs: number
  now?: () => number
}

/** What a cached answer holds: the list, frozen (every response shares it), and the history it answers. */
export interface CachedAnswer {
  /** Frozen, items included: copy the object to add a per-response field, never change it. */
  recommendation: Recommendation
  history: Int32Array
  ignored: number
  expiresAt: number
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
  readonly #options: AnswerCacheOptions
  readonly #entries = new Map<string, CachedAnswer>()

  constructor (options: AnswerCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${options.maxEntries}`)
    this.#options = options
  }

  get size (): number {
    return this.#entries.size
  }

  get enabled (): boolean {
    return this.#options.ttlMs > 0
  }

  /** The answer stored under `key` for exactly this history, if it has not expired. */
  get (key: string, history: KnownItems): CachedAnswer | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.ignored !== history.ignored || !sameItems(entry.history, history.indices) || entry.expiresAt <= this.#now()) {
      this.#entries.delete(key)
      return undefined
    }
    // Map order is recency order: re-inserting marks the entry as the most recently used
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    return entry
  }

  /** Stores a copy of the history and freezes the answer's items, which every later hit shares. */
  set (key: string, history: KnownItems, recommendation: Recommendation): void {
    if (!this.enabled) return
    for (const item of recommendation.items) Object.freeze(item)
    Object.freeze(recommendation.items)
    this.#entries.delete(key)
    this.#entries.set(key, {
      recommendation: Object.freeze({ ...recommendation }),
      history: history.indices.slice(),
      ignored: history.ignored,
      expiresAt: this.#now() + this.#options.ttlMs
    })
    if (this.#entries.size > this.#options.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string)
  }

  #now (): number {
    return (this.#options.now ?? Date.now)()
  }
}

function sameItems (a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
