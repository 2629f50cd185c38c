import { assertCounts, type ItemCountsStore } from './item-counts-store.js'

/** In-memory twin of RedisItemCountsStore. */
export class MemoryItemCountsStore implements ItemCountsStore {
  readonly #totals = new Map<string, number>()

  async add (counts: ReadonlyMap<string, number>): Promise<void> {
    assertCounts(counts)
    for (const [itemId, count] of counts) {
      if (count > 0) this.#totals.set(itemId, (this.#totals.get(itemId) ?? 0) + count)
    }
  }

  async read (): Promise<Map<string, number>> {
    return new Map(this.#totals)
  }

  async close (): Promise<void> {}
}
