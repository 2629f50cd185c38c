import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { ServiceError } from '../errors.js'

const CHALLENGE = { 'www-authenticate': 'Bearer realm="distillrec-admin"' }

/**
 * Checks `Authorization: Bearer <token>` against ADMIN_TOKEN. Both sides are hashed first, so the
 * constant-time comparison sees equal lengths and the time says nothing about the token. A
 * failure is logged with its kind (missing, malformed, wrong), never with what was sent.
 */
export function bearerAuth (token: string): (request: FastifyRequest) => Promise<void> {
  const expected = digest(token)
  return async (request) => {
    const header = request.headers.authorization
    const match = header === undefined ? null : /^Bearer ([\x21-\x7e]+)$/.exec(header)
    const failure = header === undefined ? 'missing' : match === null ? 'malformed' : timingSafeEqual(digest(match[1]), expected) ? undefined : 'wrong'
    if (failure === undefined) return
    request.log.warn({ failure, ip: request.ip, route: request.routeOptions.url }, 'admin authentication failed')
    throw new ServiceError('UNAUTHORIZED', failure === 'missing' ? 'an Authorization: Bearer token is required' : 'the admin token is not valid', undefined, CHALLENGE)
  }
}

function digest (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}
