/**
 * Per-user recent item history (external item ids, oldest first), capped per user.
 * POST /events appends; /recommend reads it to build the user's sequence and to exclude seen items.
 */
export interface HistoryStore {
  /** Appends items in order (most recent last) and trims the user's list to the store's cap. */
  append (userId: string, itemIds: readonly string[]): Promise<void>
  /** The user's last `limit` items, oldest first; [] for an unknown user. */
  recent (userId: string, limit: number): Promise<string[]>
  close (): Promise<void>
}
