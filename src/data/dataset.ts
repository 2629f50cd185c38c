import type { IdMap } from './id-map.js'

/** One observed interaction, as read from a log or received by POST /events. */
export interface Interaction {
  userId: string
  itemId: string
  /** Seconds or milliseconds since the epoch; only the order matters. Ties keep file order. */
  ts: number
  /**
   * Idempotency key: interactions with the same eventId are one event, logged, added to a history
   * and trained on once. Absent: every copy counts (a retry cannot be recognised).
   */
  eventId?: string
}

/**
 * Interactions grouped per user in time order, on dense indices.
 * `sequences[u]` holds user u's item indices, oldest first.
 */
export interface Dataset {
  users: IdMap
  items: IdMap
  sequences: Int32Array[]
}
