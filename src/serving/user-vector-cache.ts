export interface UserVectorCacheOptions {
  maxEntries: number
  ttlMs: number
  now?: () => number
}

interface Entry {
  history: string
  vector: Float32Array
  expiresAt: number
}

/**
 * User vectors per version and user (`v42:u17`), least recently used dropped first. An entry also
 * holds the hash of the history it was computed from and is used only for that history, so an
 * event that reached another replica can never serve a stale vector here; an event received here
 * drops the entry at once. In process only: a vector costs about a microsecond to compute, and a
 * Redis round trip costs far more than that.
 */
export class UserVectorCache {
  readonly #options: UserVectorCacheOptions
  readonly #entries = new Map<string, Entry>()

  constructor (options: UserVectorCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${options.maxEntries}`)
    this.#options = options
  }

  get size (): number {
    return this.#entries.size
  }

  get (version: number, userId: string, history: string): Float32Array | undefined {
    const key = `v${version}:u${userId}`
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    this.#entries.delete(key)
    if (entry.history !== history || entry.expiresAt <= this.#now()) return undefined
    this.#entries.set(key, entry)
    return entry.vector
  }

  set (version: number, userId: string, history: string, vector: Float32Array): void {
    if (this.#options.ttlMs === 0) return
    const key = `v${version}:u${userId}`
    this.#entries.delete(key)
    this.#entries.set(key, { history, vector, expiresAt: this.#now() + this.#options.ttlMs })
    if (this.#entries.size > this.#options.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string)
  }

  /** After an event for the user: the next request computes the vector from the new history. */
  invalidate (version: number, userId: string): void {
    this.#entries.delete(`v${version}:u${userId}`)
  }

  #now (): number {
    return (this.#options.now ?? Date.now)()
  }
}
