import { OldestKey } from '../data/oldest-key.js'
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
  /** A user with no append for this long is forgotten, as Redis expires the list; default never. */
  ttlMs?: number
  /** Clock in ms; injectable for tests. */
  now?: () => number
}

const DEFAULT_MAX_EVENT_IDS = 100_000

interface UserHistory {
  items: string[]
  lastAppend: number
}

/** In-memory twin of RedisHistoryStore; also the fallback while Redis is away. */
export class MemoryHistoryStore implements HistoryStore {
  readonly #maxPerUser: number
  readonly #maxUsers: number
  readonly #ttlMs: number
  readonly #now: () => number
  // Map order = least recently appended user first, so eviction and expiry both start at the front
  readonly #users = new Map<string, UserHistory>()
  readonly #oldest = new OldestKey(this.#users)
  readonly #applied: SeenIds

  constructor ({ maxPerUser, maxUsers = Infinity, maxEventIds = DEFAULT_MAX_EVENT_IDS, ttlMs = Infinity, now = Date.now }: MemoryHistoryStoreOptions) {
    assertPositiveInt('maxPerUser', maxPerUser)
    if (maxUsers !== Infinity) assertPositiveInt('maxUsers', maxUsers)
    if (ttlMs !== Infinity) assertPositiveInt('ttlMs', ttlMs)
    this.#maxPerUser = maxPerUser
    this.#maxUsers = maxUsers
    this.#ttlMs = ttlMs
    this.#now = now
    this.#applied = new SeenIds(maxEventIds)
  }

  /** Users held now, expired ones not yet dropped included. */
  get users (): number {
    return this.#users.size
  }

  async append (userId: string, itemIds: readonly string[], eventIds?: ReadonlyArray<string | undefined>): Promise<void> {
    assertParallel(itemIds, eventIds)
    if (itemIds.length === 0) return
    const now = this.#now()
    this.#dropExpired(now)
    const fresh = eventIds === undefined
      ? itemIds
      : itemIds.filter((_, k) => eventIds[k] === undefined || this.#applied.add(eventIds[k] as string))
    const user = this.#users.get(userId)
    // an append of copies alone is activity too (Redis restarts the TTL), but creates no user
    if (fresh.length === 0 && user === undefined) return
    const items = user?.items ?? []
    this.#users.delete(userId)
    items.push(...fresh)
    if (items.length > this.#maxPerUser) items.splice(0, items.length - this.#maxPerUser)
    this.#users.set(userId, { items, lastAppend: now })
    if (this.#users.size > this.#maxUsers) this.#oldest.evict()
  }

  async recent (userId: string, limit: number): Promise<string[]> {
    return this.recentNow(userId, limit)
  }

  recentNow (userId: string, limit: number): string[] {
    if (limit <= 0) return []
    const user = this.#users.get(userId)
    if (user === undefined) return []
    if (this.#expired(user, this.#now())) {
      this.#users.delete(userId)
      return []
    }
    return user.items.slice(-limit)
  }

  async close (): Promise<void> {}

  #expired (user: UserHistory, now: number): boolean {
    return now - user.lastAppend >= this.#ttlMs
  }

  #dropExpired (now: number): void {
    // append sets a new object each time, as peek needs
    for (let oldest = this.#oldest.peek(); oldest !== undefined && this.#expired(oldest[1], now); oldest = this.#oldest.peek()) {
      this.#oldest.evict()
    }
  }
}
