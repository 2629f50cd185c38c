import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

export const RECOMMENDATION_ID_HEADER = 'x-recommendation-id'
/** A client's own key for an anonymous visitor (a session id): what experiment assignment sticks to. */
export const REQUEST_KEY_HEADER = 'x-request-key'
const MAX_KEY = 128

/**
 * What experiment assignment sticks to for a POST: the userId; else the client's X-Request-Key;
 * else a hash of the history's oldest item, which stays the same while an anonymous session's
 * history grows. Undefined only when there is none of them (the active version serves).
 */
export function assignmentKey (body: { userId?: string, history?: readonly string[] }, headers: IncomingHttpHeaders): string | undefined {
  if (body.userId !== undefined) return body.userId
  const header = headers[REQUEST_KEY_HEADER]
  if (typeof header === 'string' && header.length > 0) return 'key:' + header.slice(0, MAX_KEY)
  const first = body.history?.[0]
  if (first === undefined) return undefined
  return 'history:' + createHash('sha256').update(first).digest('base64url').slice(0, 22)
}
