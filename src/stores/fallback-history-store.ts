import type { HistoryStore } from './history-store.js'
import { isCircuitOpen, type Circuit } from './redis-circuit.js'

export type StoreOp = 'append' | 'recent'

export interface FallbackOptions {
  /** Told about every primary failure that was absorbed; count it, log it, never throw. */
  onError: (err: unknown, op: StoreOp) => void
  /**
   * The primary's breaker: while it is open the primary is not called at all (nothing to
   * report: answers come from the fallback at once); while closed, it counts each outcome.
   */
  circuit?: Circuit
}

/**
 * Keeps history answering while the primary (Redis) is away. Every append is also recorded in
 * the in-memory fallback, so a read during an outage still sees what this process was sent;
 * a failed or skipped primary read is served from the fallback. Primary calls must fail fast on
 * their own (createRedisClient's command timeout, then the breaker): this wrapper adds no timer.
 * Items appended during an outage are not copied to the primary once it is back.
 */
export class FallbackHistoryStore implements HistoryStore {
  readonly #primary: HistoryStore
  readonly #fallback: HistoryStore
  readonly #onError: FallbackOptions['onError']
  readonly #circuit: Circuit | undefined

  constructor (primary: HistoryStore, fallback: HistoryStore, { onError, circuit }: FallbackOptions) {
    this.#primary = primary
    this.#fallback = fallback
    this.#onError = onError
    this.#circuit = circuit
  }

  async append (userId: string, itemIds: readonly string[], eventIds?: ReadonlyArray<string | undefined>): Promise<void> {
    await this.#fallback.append(userId, itemIds, eventIds)
    try {
      await this.#call(async () => await this.#primary.append(userId, itemIds, eventIds))
    } catch (err) {
      if (!isCircuitOpen(err)) this.#onError(err, 'append')
    }
  }

  async recent (userId: string, limit: number): Promise<string[]> {
    try {
      return await this.#call(async () => await this.#primary.recent(userId, limit))
    } catch (err) {
      if (!isCircuitOpen(err)) this.#onError(err, 'recent')
      return await this.#fallback.recent(userId, limit)
    }
  }

  async close (): Promise<void> {
    await Promise.all([this.#primary.close(), this.#fallback.close()])
  }

  async #call<T> (command: () => Promise<T>): Promise<T> {
    return this.#circuit === undefined ? await command() : await this.#circuit.call(command)
  }
}
