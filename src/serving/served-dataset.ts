import type { Dataset } from '../data/dataset.js'
import { PackedCounts } from '../data/packed-counts.js'
import { PackedIds, type ItemIds } from '../data/packed-ids.js'
import { itemCounts } from '../models/popularity.js'
import { sharedCopy } from '../threads/shared-copy.js'

/** Catalogues of at least this many items are packed (PackedIds) when the service keeps its dataset. */
export const PACK_MIN_ITEMS = 20_000

/** What serving reads of the dataset: a user's index and sequence, and each item index's id. */
export interface ServedDataset {
  users: Pick<Dataset['users'], 'index'>
  items: ItemIds
  sequences: readonly Int32Array[]
}

/**
 * The dataset as the service keeps it, with its item popularity: a large catalogue's ids as one
 * PackedIds shared by both (its IdMap, a Map and an array of a million strings, is left to the
 * collector). Every full collection of the serving process marks what it keeps; at 1,000,000 items
 * the IdMap and a Map of the counts were 90 of the 106 MB the dataset held (2026-12-06), and a
 * forced full collection of them took 230-320 ms on this machine against 50 ms packed. Packing
 * takes about 1-2 s per million ids, once, before the service is ready.
 */
export function servedDataset (dataset: Dataset): { dataset: ServedDataset, counts: ReadonlyMap<string, number> } {
  const counts = itemCounts(dataset.sequences, dataset.items.size)
  if (dataset.items.size < PACK_MIN_ITEMS) {
    return { dataset, counts: new Map(dataset.items.ids().map((id, i) => [id, counts[i]])) }
  }
  // shared memory: a loading thread is handed the ids and counts with every large version (load-student-parts.ts) without a copy
  const { codes, ends, table } = PackedIds.fromIds(dataset.items.ids()).parts()
  const items = new PackedIds({ codes: sharedCopy(codes), ends: sharedCopy(ends), table: sharedCopy(table) })
  return { dataset: { users: dataset.users, items, sequences: dataset.sequences }, counts: new PackedCounts(items, sharedCopy(counts)) }
}
