import type { Redis } from 'ioredis'
import type { HistoryStore } from './history-store.js'
import { assertPositiveInt } from './store-error.js'

export interface RedisHistoryStoreOptions {
  /** Owned by the caller: close() leaves it open. */
  client: Redis
  /** Key namespace, e.g. 'distillrec:'; the list of user u is `${prefix}hist:u:${u}`. */
  prefix: string
  maxPerUser: number
}

/** One Redis list per user, most recent last, trimmed to maxPerUser. */
export class RedisHistoryStore implements HistoryStore {
  readonly #client: Redis
  readonly #prefix: string
  readonly #maxPerUser: number

  constructor ({ client, prefix, maxPerUser }: RedisHistoryStoreOptions) {
    assertPositiveInt('maxPerUser', maxPerUser)
    this.#client = client
    this.#prefix = prefix
    this.#maxPerUser = maxPerUser
  }

  async append (userId: string, itemIds: readonly string[]): Promise<void> {
    if (itemIds.length === 0) return
    const key = this.#key(userId)
    // one MULTI so no reader (or replica) ever sees the list above its cap
    const results = await this.#client.multi()
      .rpush(key, ...itemIds)
      .ltrim(key, -this.#maxPerUser, -1)
      .exec()
    const failed = results?.find(([err]) => err !== null)
    if (failed !== undefined) throw failed[0]
  }

  async recent (userId: string, limit: number): Promise<string[]> {
    // LRANGE -0 -1 would return the whole list
    if (limit <= 0) return []
    return await this.#client.lrange(this.#key(userId), -limit, -1)
  }

  async close (): Promise<void> {}

  #key (userId: string): string {
    return `${this.#prefix}hist:u:${userId}`
  }
}
