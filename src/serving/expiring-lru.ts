import { OldestKey } from '../data/oldest-key.js'

export interface ExpiringLruOptions {
  maxEntries: number
  /** 0 turns the cache off: set() stores nothing. */
  ttlMs: number
  now?: () => number
}

/**
 * An in-process map with a size cap (least recently used dropped first) and an expiry per entry.
 * Map order is recency order: a hit is re-inserted, the first key is the one to drop.
 */
export class ExpiringLru<V> {
  readonly #options: ExpiringLruOptions
  readonly #entries = new Map<string, { value: V, expiresAt: number }>()
  readonly #oldest = new OldestKey(this.#entries)

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
    this.#entries.delete(key)
    if (entry.expiresAt <= this.#now() || !usable(entry.value)) return undefined
    this.#entries.set(key, entry)
    return entry.value
  }

  set (key: string, value: V): void {
    if (!this.enabled) return
    this.#entries.delete(key)
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#options.ttlMs })
    if (this.#entries.size > this.#options.maxEntries) this.#oldest.evict()
  }

  delete (key: string): void {
    this.#entries.delete(key)
  }

  #now (): number {
    return (this.#options.now ?? Date.now)()
  }
}
