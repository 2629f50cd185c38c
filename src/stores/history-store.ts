/**
 * Per-user recent item history (external item ids, oldest first), capped per user.
 * POST /events appends; /recommend reads it to build the user's sequence and to exclude seen items.
 */
export interface HistoryStore {
  /**
   * Appends items in order (most recent last) and trims the user's list to the store's cap.
   * `eventIds`, parallel to `itemIds`, makes the append idempotent per event: an item whose
   * eventId the store already applied (within its dedupe window) is skipped, as is a second copy
   * in the same call; an item without one (undefined, or no `eventIds`) is always appended.
   */
  append (userId: string, itemIds: readonly string[], eventIds?: ReadonlyArray<string | undefined>): Promise<void>
  /** The user's last `limit` items, oldest first; [] for an unknown user. */
  recent (userId: string, limit: number): Promise<string[]>
  /**
   * What `recent` resolves to, returned at once: only a store that holds the history in this
   * process has it (the memory twin), so a cached answer can be served without a promise.
   */
  recentNow?: (userId: string, limit: number) => string[]
  close (): Promise<void>
}

/** Throws unless `eventIds` is absent or as long as `itemIds`: a mismatch is a caller's bug. */
export function assertParallel (itemIds: readonly string[], eventIds: ReadonlyArray<string | undefined> | undefined): void {
  if (eventIds !== undefined && eventIds.length !== itemIds.length) {
    throw new TypeError(`eventIds must be parallel to itemIds: ${eventIds.length} ids for ${itemIds.length} items`)
  }
}
