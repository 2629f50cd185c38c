import type { HistoryStore } from './history-store.js'
import { assertPositiveInt } from './store-error.js'

export interface MemoryHistoryStoreOptions {
  maxPerUser: number
  /** Bounds memory when used as a long-lived fallback: the least recently appended user is dropped. */
  maxUsers?: number
}

/** In-memory twin of RedisHistoryStore; also the fallback while Redis is away. */
export class MemoryHistoryStore implements HistoryStore {
  readonly #maxPerUser: number
  readonly #maxUsers: number
  readonly #lists = new Map<string, string[]>()

  constructor ({ maxPerUser, maxUsers = Infinity }: MemoryHistoryStoreOptions) {
    assertPositiveInt('maxPerUser', maxPerUser)
    if (maxUsers !== Infinity) assertPositiveInt('maxUsers', maxUsers)
    this.#maxPerUser = maxPerUser
    this.#maxUsers = maxUsers
  }

  async append (userId: string, itemIds: readonly string[]): Promise<void> {
    if (itemIds.length === 0) return
    const list = this.#lists.get(userId) ?? []
    // re-inserting keeps Map order = least recently appended user first
    this.#lists.delete(userId)
    list.push(...itemIds)
    if (list.length > this.#maxPerUser) list.splice(0, list.length - this.#maxPerUser)
    this.#lists.set(userId, list)
    if (this.#lists.size > this.#maxUsers) {
      this.#lists.delete(this.#lists.keys().next().value as string)
    }
  }

  async recent (userId: string, limit: number): Promise<string[]> {
    if (limit <= 0) return []
    return (this.#lists.get(userId) ?? []).slice(-limit)
  }

  async close (): Promise<void> {}
}
