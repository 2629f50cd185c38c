import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { ServiceError } from '../errors.js'
import type { AuthFailures } from './auth-failures.js'

const CHALLENGE = { 'www-authenticate': 'Bearer realm="distillrec-admin"' }
// RFC 9110 section 11.1: the scheme is case-insensitive and one or more spaces follow it
const BEARER = /^bearer +([\x21-\x7e]+)$/i

/**
 * Checks `Authorization: Bearer <token>` against ADMIN_TOKEN, before anything else is done with
 * the request (it runs in onRequest: no body is read for a caller without the token). Both sides
 * are hashed first, so the constant-time comparison sees equal lengths and the time says nothing
 * about the token. A failure is logged with its kind (missing, malformed, wrong), never with what
 * was sent, and counted against the caller's address: past the limit the address gets 429 for the
 * rest of the window, whatever it sends, while the token keeps working from anywhere.
 */
export function bearerAuth (token: string, failures: AuthFailures): (request: FastifyRequest) => Promise<void> {
  const expected = digest(token)
  return async (request) => {
    const header = request.headers.authorization
    const match = header === undefined ? null : BEARER.exec(header)
    const failure = header === undefined ? 'missing' : match === null ? 'malformed' : timingSafeEqual(digest(match[1]), expected) ? undefined : 'wrong'
    if (failure === undefined) return
    const retryAfter = failures.blockedFor(request.ip)
    if (retryAfter > 0) {
      throw new ServiceError('TOO_MANY_REQUESTS', `too many failed admin authentications from this address; retry in ${retryAfter} s`,
        undefined, { 'retry-after': String(retryAfter) })
    }
    failures.record(request.ip)
    request.log.warn({ failure, ip: request.ip, route: request.routeOptions.url }, 'admin authentication failed')
    throw new ServiceError('UNAUTHORIZED', failure === 'missing' ? 'an Authorization: Bearer token is required' : 'the admin token is not valid', undefined, CHALLENGE)
  }
}

function digest (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}
