import { setImmediate as yieldToLoop } from 'node:timers/promises'
import type { ItemIds } from '../data/packed-ids.js'
import type { HistoryStore } from '../stores/history-store.js'
import type { ServedDataset } from './served-dataset.js'

/** A history on one version's catalogue: the items it knows, and how many it did not. */
export interface KnownItems {
  indices: Int32Array
  ignored: number
}

/**
 * A user's history as the recommender sees it: what the dataset the service read knows of them,
 * followed by what arrived through POST /events since (the live store), on the catalogue of the
 * version being served. The dataset part goes through a translation table built once per
 * catalogue (dataset index -> version index), not through item ids: on ML-1M the id round trip
 * took about 14% of a cache hit's CPU as self time, plus the garbage it made (in-process profile).
 */
/** Dataset items translated between two turns of the event loop while a large catalogue's table is built. */
const IDS_PER_TURN = 20_000

/** A table still being built (a large catalogue, just swapped in): dataset items are translated by id meanwhile. */
const BUILDING = 'building'

export class UserHistory {
  /** Per catalogue; null when it numbers the dataset's items the same (a version trained on this dataset). */
  readonly #tables = new WeakMap<ItemIds, Int32Array | null | typeof BUILDING>()

  constructor (private readonly dataset: ServedDataset | undefined, private readonly live: Pick<HistoryStore, 'recent' | 'recentNow'>) {}

  /** The returned indices may be a view on the dataset's own array: read them, never write. */
  async recent (userId: string, limit: number, items: ItemIds): Promise<KnownItems> {
    return this.#known(await this.live.recent(userId, limit), userId, limit, items)
  }

  /** What `recent` resolves to, at once; undefined when the live store cannot answer at once (Redis). */
  recentNow (userId: string, limit: number, items: ItemIds): KnownItems | undefined {
    const { live } = this
    return live.recentNow === undefined ? undefined : this.#known(live.recentNow(userId, limit), userId, limit, items)
  }

  #known (live: readonly string[], userId: string, limit: number, items: ItemIds): KnownItems {
    const user = this.dataset?.users.index(userId)
    const fromDataset = this.dataset === undefined || user === undefined || live.length >= limit
      ? undefined
      : this.dataset.sequences[user].subarray(Math.max(0, this.dataset.sequences[user].length - (limit - live.length)))
    const table = fromDataset === undefined ? undefined : this.#table(items)
    // the common case of a cache hit: no live events, and the version numbers items as the dataset does
    if (fromDataset !== undefined && table === null && live.length === 0) return { indices: fromDataset, ignored: 0 }
    const indices = new Int32Array((fromDataset?.length ?? 0) + live.length)
    let n = 0
    if (fromDataset !== undefined && table === null) {
      indices.set(fromDataset)
      n = fromDataset.length
    } else if (fromDataset !== undefined && table === BUILDING) {
      const known = (this.dataset as ServedDataset).items
      for (const item of fromDataset) {
        const index = items.index(known.id(item))
        if (index !== undefined) indices[n++] = index
      }
    } else if (fromDataset !== undefined && table !== undefined && table !== null && table !== BUILDING) {
      for (const item of fromDataset) {
        const index = table[item]
        if (index >= 0) indices[n++] = index
      }
    }
    for (const id of live) {
      const index = items.index(id)
      if (index !== undefined) indices[n++] = index
    }
    return { indices: indices.subarray(0, n), ignored: indices.length - n }
  }

  /**
   * Takes a catalogue's dataset -> version table computed elsewhere (a loading thread: `table[i]`
   * is where dataset item i is in `items`, -1 where it is not; null where every dataset item is at
   * its own index), so that none is built on the loop. Ignored unless `from` is this history's
   * dataset item map, or when the catalogue has one already.
   */
  adopt (items: ItemIds, from: ItemIds, table: Int32Array | null): void {
    if (this.dataset === undefined || from !== this.dataset.items || (table !== null && table.length !== from.size) || this.#tables.has(items)) return
    this.#tables.set(items, table)
  }

  /**
   * The dataset -> version index table of a catalogue. A large one (a million items) is built a
   * slice per turn of the event loop after the first request that needs it, which is answered
   * (as are the others meanwhile) by translating its few items by id: built at once, it would hold
   * the loop for the whole catalogue's lookups right after a swap.
   */
  #table (items: ItemIds): Int32Array | null | typeof BUILDING {
    let table = this.#tables.get(items)
    if (table !== undefined) return table
    // by index, not ids(): a packed catalogue would make (and keep) a string per item
    const known = (this.dataset as ServedDataset).items
    if (known.size > IDS_PER_TURN) {
      this.#tables.set(items, BUILDING)
      // cannot fail but for a bug: then the next request starts again
      this.#build(known, items).catch(() => this.#tables.delete(items))
      return BUILDING
    }
    const mapped = Int32Array.from({ length: known.size }, (_, i) => items.index(known.id(i)) ?? -1)
    table = mapped.every((index, i) => index === i) ? null : mapped
    this.#tables.set(items, table)
    return table
  }

  async #build (known: ItemIds, items: ItemIds): Promise<void> {
    const mapped = new Int32Array(known.size)
    let identity = true
    for (let start = 0; start < known.size; start += IDS_PER_TURN) {
      await yieldToLoop()
      const end = Math.min(known.size, start + IDS_PER_TURN)
      for (let i = start; i < end; i++) {
        mapped[i] = items.index(known.id(i)) ?? -1
        if (mapped[i] !== i) identity = false
      }
    }
    this.#tables.set(items, identity ? null : mapped)
  }
}
