import { StoreError } from './store-error.js'

/**
 * Interaction counts per item (external item ids): the popularity that ranks items for users with
 * no history, kept where every API replica can read it without the interaction dataset.
 */
export interface ItemCountsStore {
  /**
   * Adds each count to its item's total. Counts are finite and >= 0; a 0 changes nothing.
   * Throws STORE_INVALID_OPTION, having added nothing, when any count is not.
   */
  add (counts: ReadonlyMap<string, number>): Promise<void>
  /** Every counted item's total; an empty map when nothing has been added. */
  read (): Promise<Map<string, number>>
  close (): Promise<void>
}

/** Throws STORE_INVALID_OPTION unless every count is a finite number >= 0. */
export function assertCounts (counts: ReadonlyMap<string, number>): void {
  for (const [itemId, count] of counts) {
    if (typeof count !== 'number' || !Number.isFinite(count) || count < 0) {
      throw new StoreError('STORE_INVALID_OPTION', `the count of item ${JSON.stringify(itemId)} must be a finite number >= 0, got ${count}`)
    }
  }
}
