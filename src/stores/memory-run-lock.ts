import type { RunLock } from './run-lock.js'

/** In-memory twin of RedisRunLock: one process (the service with its embedded worker) without Redis. */
export class MemoryRunLock implements RunLock {
  #owner: string | null = null
  #expires = 0
  readonly #now: () => number

  constructor (now: () => number = Date.now) {
    this.#now = now
  }

  // check and set with no await between them: concurrent callers see each other's acquire
  async acquire (owner: string, ttlMs: number): Promise<boolean> {
    if (this.#holder() !== null) return false
    this.#owner = owner
    this.#expires = this.#now() + ttlMs
    return true
  }

  async renew (owner: string, ttlMs: number): Promise<boolean> {
    if (this.#holder() !== owner) return false
    this.#expires = this.#now() + ttlMs
    return true
  }

  async release (owner: string): Promise<void> {
    if (this.#holder() === owner) this.#owner = null
  }

  async holder (): Promise<string | null> {
    return this.#holder()
  }

  #holder (): string | null {
    if (this.#owner !== null && this.#now() >= this.#expires) this.#owner = null
    return this.#owner
  }

  async close (): Promise<void> {}
}
