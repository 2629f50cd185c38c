import { assertParallel, type HistoryStore } from './history-store.js'
import { SeenIds } from './seen-ids.js'
import { assertPositiveInt } from './store-error.js'

export interface MemoryHistoryStoreOptions {
  maxPerUser: number
  /** Bounds memory when used as a long-lived fallback: the least recently appended user is dropped. */
  maxUsers?: number
  /**
   * How many of the most recently applied eventIds are remembered (about 100 bytes each), so a
   * copy is skipped; an older id is applied again. Default 100,000.
   */
  maxEventIds?: number
}

const DEFAULT_MAX_EVENT_IDS = 100_000

/** In-memory twin of RedisHistoryStore; also the fallback while Redis is away. */
export class MemoryHistoryStore implements HistoryStore {
  readonly #maxPerUser: number
  readonly #maxUsers: number
  readonly #lists = new Map<string, string[]>()
  readonly #applied: SeenIds

  constructor ({ maxPerUser, maxUsers = Infinity, maxEventIds = DEFAULT_MAX_EVENT_IDS }: MemoryHistoryStoreOptions) {
    assertPositiveInt('maxPerUser', maxPerUser)
    if (maxUsers !== Infinity) assertPositiveInt('maxUsers', maxUsers)
    this.#maxPerUser = maxPerUser
    this.#maxUsers = maxUsers
    this.#applied = new SeenIds(maxEventIds)
  }

  async append (userId: string, itemIds: readonly string[], eventIds?: ReadonlyArray<string | undefined>): Promise<void> {
    assertParallel(itemIds, eventIds)
    const fresh = eventIds === undefined
      ? itemIds
      : itemIds.filter((_, k) => eventIds[k] === undefined || this.#applied.add(eventIds[k] as string))
    if (fresh.length === 0) return
    const list = this.#lists.get(userId) ?? []
    // re-inserting keeps Map order = least recently appended user first
    this.#lists.delete(userId)
    list.push(...fresh)
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
