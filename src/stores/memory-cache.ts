import { OldestKey } from '../data/oldest-key.js'
import type { Cache } from './cache.js'
import { assertPositiveInt, assertTtl } from './store-error.js'

export interface MemoryCacheOptions {
  /** Above this, the least recently used entry is evicted. */
  maxEntries: number
  /** Clock in ms; injectable for tests. */
  now?: () => number
}

interface Entry {
  value: Buffer
  expiresAt: number
}

/** In-memory twin of RedisCache: LRU with a TTL per entry. */
export class MemoryCache implements Cache {
  readonly #maxEntries: number
  readonly #now: () => number
  // Map order is recency order: least recently used first
  readonly #entries = new Map<string, Entry>()
  readonly #oldest = new OldestKey(this.#entries)

  constructor ({ maxEntries, now = Date.now }: MemoryCacheOptions) {
    assertPositiveInt('maxEntries', maxEntries)
    this.#maxEntries = maxEntries
    this.#now = now
  }

  get size (): number {
    return this.#entries.size
  }

  async get (key: string): Promise<Buffer | null> {
    const entry = this.#entries.get(key)
    if (entry === undefined) return null
    this.#entries.delete(key)
    if (entry.expiresAt <= this.#now()) return null
    this.#entries.set(key, entry)
    return entry.value
  }

  async set (key: string, value: Buffer, ttlMs: number): Promise<void> {
    assertTtl(ttlMs)
    this.#entries.delete(key)
    // a copy, as Redis would keep: later writes to the caller's buffer must not show here
    this.#entries.set(key, { value: Buffer.from(value), expiresAt: this.#now() + ttlMs })
    if (this.#entries.size > this.#maxEntries) this.#oldest.evict()
  }

  async close (): Promise<void> {
    this.#entries.clear()
  }
}
