import type { RedisConnection } from './redis-client.js'
import { keysFor } from './redis-keys.js'
import { RedisScript } from './redis-script.js'
import type { RunLock } from './run-lock.js'

// compare-and-set: only the holder extends or frees the lock
const RENEW = new RedisScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`)
const RELEASE = new RedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`)

export interface RedisRunLockOptions {
  /** Owned by the caller: close() leaves it open. */
  client: RedisConnection
  prefix: string
}

/** `<prefix>worker:lock` holds the owner with a TTL (SET NX PX); renew and release check the owner first. */
export class RedisRunLock implements RunLock {
  readonly #client: RedisConnection
  readonly #key: string

  constructor ({ client, prefix }: RedisRunLockOptions) {
    this.#client = client
    this.#key = keysFor(client, prefix).runLock
  }

  async acquire (owner: string, ttlMs: number): Promise<boolean> {
    return await this.#client.set(this.#key, owner, 'PX', ttlMs, 'NX') === 'OK'
  }

  async renew (owner: string, ttlMs: number): Promise<boolean> {
    return await RENEW.run(this.#client, [this.#key], [owner, ttlMs]) === 1
  }

  async release (owner: string): Promise<void> {
    await RELEASE.run(this.#client, [this.#key], [owner])
  }

  async holder (): Promise<string | null> {
    return await this.#client.get(this.#key)
  }

  async close (): Promise<void> {}
}
