import { createHash } from 'node:crypto'

/** What a client sent for one event: its own eventId, and ts when it stamped the event itself. */
export interface EventIdSource {
  userId: string
  itemId: string
  ts?: number | null
  eventId?: string
}

/**
 * The idempotency key of one received event, or undefined when a retry cannot be recognised.
 * A client's eventId becomes `id:<eventId>`; without one, an event the client stamped with ts is
 * keyed by what it sent, `ts:<hash of [userId, itemId, ts]>`, so resending the same body gives the
 * same key. Both are namespaced so a client's id can never equal a derived one. Without either,
 * the server stamps ts on receipt and a retry is a new event.
 */
export function eventKey ({ userId, itemId, ts, eventId }: EventIdSource): string | undefined {
  if (eventId !== undefined) return `id:${eventId}`
  if (ts == null) return undefined
  // JSON keeps the three fields apart whatever they contain; 128 bits of SHA-256 are plenty
  const digest = createHash('sha256').update(JSON.stringify([userId, itemId, ts])).digest()
  return `ts:${digest.subarray(0, 16).toString('base64url')}`
}
