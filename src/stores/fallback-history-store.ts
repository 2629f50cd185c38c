import type { HistoryStore } from './history-store.js'

export type StoreOp = 'append' | 'recent'

export interface FallbackOptions {
  /** Told about every primary failure that was absorbed; count it, log it, never throw. */
  onError: (err: unknown, op: StoreOp) => void
}

/**
 * Keeps history answering while the primary (Redis) is away. Every append is also recorded in
 * the in-memory fallback, so a read during an outage still sees what this process was sent;
 * a failed primary read is served from the fallback. Primary calls must fail fast on their own
 * (createRedisClient's command timeout): this wrapper adds no timer.
 * Items appended during an outage are not copied to the primary once it is back.
 */
export class FallbackHistoryStore implements HistoryStore {
  readonly #primary: HistoryStore
  readonly #fallback: HistoryStore
  readonly #onError: FallbackOptions['onError']

  constructor (primary: HistoryStore, fallback: HistoryStore, { onError }: FallbackOptions) {
    this.#primary = primary
    this.#fallback = fallback
    this.#onError = onError
  }

  async append (userId: string, itemIds: readonly string[]): Promise<void> {
    await this.#fallback.append(userId, itemIds)
    try {
      await this.#primary.append(userId, itemIds)
    } catch (err) {
      this.#onError(err, 'append')
    }
  }

  async recent (userId: string, limit: number): Promise<string[]> {
    try {
      return await this.#primary.recent(userId, limit)
    } catch (err) {
      this.#onError(err, 'recent')
      return await this.#fallback.recent(userId, limit)
    }
  }

  async close (): Promise<void> {
    await Promise.all([this.#primary.close(), this.#fallback.close()])
  }
}
