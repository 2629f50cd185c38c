import type { RedisConnection } from './redis-client.js'
import type { Cache } from './cache.js'
import { assertTtl } from './store-error.js'

export interface RedisCacheOptions {
  /** Owned by the caller: close() leaves it open. */
  client: RedisConnection
  /** Key namespace: key k is stored at `${prefix}${k}`. */
  prefix: string
}

/** Cache in Redis: binary values under SET PX, so Redis expires them itself. */
export class RedisCache implements Cache {
  readonly #client: RedisConnection
  readonly #prefix: string

  constructor ({ client, prefix }: RedisCacheOptions) {
    this.#client = client
    this.#prefix = prefix
  }

  async get (key: string): Promise<Buffer | null> {
    return await this.#client.getBuffer(this.#prefix + key)
  }

  async set (key: string, value: Buffer, ttlMs: number): Promise<void> {
    assertTtl(ttlMs)
    // PX takes whole milliseconds; rounding up never expires an entry early
    await this.#client.set(this.#prefix + key, value, 'PX', Math.ceil(ttlMs))
  }

  async close (): Promise<void> {}
}
