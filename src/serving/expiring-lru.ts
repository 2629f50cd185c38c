import { OldestKey } from '../data/oldest-key.js'

export interface ExpiringLruOptions {
  maxEntries: number
  /** 0 turns the cache off: set() stores nothing. */
  ttlMs: number
  now?: () => number
}

/**
 * An in-process map with a size cap (least recently used dropped first, approximately) and an
 * expiry per entry. Map order is recency order: the first key is the one to drop. A hit moves its
 * entry to the end only once at least maxEntries / 2 insertions came after it (a move is a delete
 * and an insert, paid on every hit of a hot key otherwise), so an entry is dropped only after at
 * least maxEntries / 2 insertions since it was last used.
 */
export class ExpiringLru<V> {
  readonly #options: ExpiringLruOptions
  readonly #entries = new Map<string, { value: V, expiresAt: number, stamp: number }>()
  readonly #oldest = new OldestKey(this.#entries)
  /** Insertions so far (sets and moves): an entry's stamp is the count at its own. */
  #clock = 0

  constructor (options: ExpiringLruOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${options.maxEntries}`)
    this.#options = options
  }

  get size (): number {
    return this.#entries.size
  }

  get enabled (): boolean {
    return this.#options.ttlMs > 0
  }

  /** The value under `key` if it has not expired and `usable` accepts it; else drops it. */
  get (key: string, usable: (value: V) => boolean = () => true): V | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= this.#now() || !usable(entry.value)) {
      this.#entries.delete(key)
      return undefined
    }
    if (this.#clock - entry.stamp >= this.#options.maxEntries / 2) {
      this.#entries.delete(key)
      entry.stamp = ++this.#clock
      this.#entries.set(key, entry)
    }
    return entry.value
  }

  set (key: string, value: V): void {
    if (!this.enabled) return
    this.#entries.delete(key)
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#options.ttlMs, stamp: ++this.#clock })
    if (this.#entries.size > this.#options.maxEntries) this.#oldest.evict()
  }

  delete (key: string): void {
    this.#entries.delete(key)
  }

  #now (): number {
    return (this.#options.now ?? Date.now)()
  }
}
