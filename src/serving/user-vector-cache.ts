import { ExpiringLru, type ExpiringLruOptions } from './expiring-lru.js'

export type UserVectorCacheOptions = ExpiringLruOptions

/**
 * User vectors per version and user (`v42:u17`), least recently used dropped first. An entry also
 * holds the hash of the history it was computed from and is used only for that history, so an
 * event that reached another replica can never serve a stale vector here; an event received here
 * drops the entry at once. In process only: a vector costs about a microsecond to compute, and a
 * Redis round trip costs far more than that.
 */
export class UserVectorCache {
  readonly #entries: ExpiringLru<{ history: string, vector: Float32Array }>

  constructor (options: UserVectorCacheOptions) {
    this.#entries = new ExpiringLru(options)
  }

  get size (): number {
    return this.#entries.size
  }

  get (version: number, userId: string, history: string): Float32Array | undefined {
    return this.#entries.get(`v${version}:u${userId}`, (entry) => entry.history === history)?.vector
  }

  set (version: number, userId: string, history: string, vector: Float32Array): void {
    this.#entries.set(`v${version}:u${userId}`, { history, vector })
  }

  /** After an event for the user: the next request computes the vector from the new history. */
  invalidate (version: number, userId: string): void {
    this.#entries.delete(`v${version}:u${userId}`)
  }
}
