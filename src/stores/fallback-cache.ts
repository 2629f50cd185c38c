import type { Cache } from './cache.js'
import type { FallbackOptions } from './fallback-history-store.js'
import { assertTtl } from './store-error.js'

/**
 * A cache that never fails a request: a failed get is a miss, a failed set is dropped; both
 * are reported through onError. Primary calls must fail fast on their own.
 */
export class FallbackCache implements Cache {
  readonly #primary: Cache
  readonly #onError: FallbackOptions['onError']

  constructor (primary: Cache, { onError }: FallbackOptions) {
    this.#primary = primary
    this.#onError = onError
  }

  async get (key: string): Promise<Buffer | null> {
    try {
      return await this.#primary.get(key)
    } catch (err) {
      this.#onError(err, 'get')
      return null
    }
  }

  async set (key: string, value: Buffer, ttlMs: number): Promise<void> {
    // a bad TTL is a bug in the caller, not an outage: it is thrown, not absorbed
    assertTtl(ttlMs)
    try {
      await this.#primary.set(key, value, ttlMs)
    } catch (err) {
      this.#onError(err, 'set')
    }
  }

  async close (): Promise<void> {
    await this.#primary.close()
  }
}
