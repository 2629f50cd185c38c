import type { FastifyRequest } from 'fastify'
import { ServiceError } from '../errors.js'
import { isMalformedQuery } from './query-string.js'
import { RouteMethods } from './route-methods.js'

/**
 * What a request must pass before any body is read or route work starts: the service is not
 * shutting down, the HTTP/1.1 Host header is there, the query string decodes, the method is one
 * the path has, and a body is plain UTF-8 JSON. Each check costs a few comparisons.
 */
export class Admission {
  readonly #routes = new RouteMethods()
  #closing = false

  /** Called for every registered route (the onRoute hook), HEAD routes included. */
  addRoute (url: string, method: string | string[]): void {
    this.#routes.add(url, method)
  }

  /** From now on every request is answered 503 SHUTTING_DOWN. */
  close (): void {
    this.#closing = true
  }

  /** Throws the ServiceError the request gets instead of being served. */
  check (request: FastifyRequest): void {
    if (this.#closing) {
      throw new ServiceError('SHUTTING_DOWN', 'the service is shutting down; retry on another instance')
    }
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new ServiceError('BAD_REQUEST', 'an HTTP/1.1 request needs a Host header')
    }
    if (isMalformedQuery(request.query)) {
      throw new ServiceError('BAD_REQUEST', 'the query string is not valid percent-encoded UTF-8')
    }
    if (request.is404) {
      const allowed = this.#routes.allowed(request.url.split('?', 1)[0])
      if (allowed !== undefined) {
        const allow = allowed.join(', ')
        throw new ServiceError('METHOD_NOT_ALLOWED', `${request.method} is not allowed here; allowed: ${allow}`, undefined, { allow })
      }
    }
    const refused = unsupportedBody(request.headers)
    if (refused !== undefined) throw new ServiceError('UNSUPPORTED_MEDIA_TYPE', refused)
  }
}

// RFC 8259: JSON exchanged between systems is UTF-8
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i
const UTF8 = /^utf-?8$/i

/** Why a body cannot be read as JSON text, if it cannot; never echoes the header's value. */
function unsupportedBody (headers: FastifyRequest['headers']): string | undefined {
  const length = headers['content-length']
  if (headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return undefined
  const transfer = headers['transfer-encoding']
  // Node's parser unframes chunked bodies only: any other coding would reach the JSON parser as is
  if (transfer !== undefined && transfer.trim().toLowerCase() !== 'chunked') {
    return 'Transfer-Encoding other than chunked is not supported: send the body uncompressed'
  }
  const encoding = headers['content-encoding']
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return 'Content-Encoding is not supported: send the body uncompressed (identity)'
  }
  const charset = CHARSET.exec(headers['content-type'] ?? '')?.[1]
  if (charset !== undefined && !UTF8.test(charset)) {
    return 'only UTF-8 bodies are supported: send charset=utf-8 or no charset'
  }
  return undefined
}
