import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

const MAX_LENGTH = 128
const SAFE = /^[A-Za-z0-9._:-]+$/

/**
 * The caller's X-Request-Id when it is short and of a safe charset, else a fresh UUID: the id is
 * echoed in a header and written into every log line of the request.
 */
export function requestId (req: IncomingMessage): string {
  const sent = req.headers['x-request-id']
  return typeof sent === 'string' && sent.length <= MAX_LENGTH && SAFE.test(sent) ? sent : randomUUID()
}
