import { STATUS_CODES } from 'node:http'

/** Every error a client can see: one stable code, one HTTP status. */
export const ERROR_CODES = {
  BAD_REQUEST: 400,
  INVALID_REQUEST: 400,
  INVALID_JSON: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  LENGTH_REQUIRED: 411,
  PRECONDITION_FAILED: 412,
  BODY_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  TOO_MANY_REQUESTS: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  EVENTS_UNAVAILABLE: 503,
  OVERLOADED: 503,
  SHUTTING_DOWN: 503
} as const

export type ErrorCode = keyof typeof ERROR_CODES

/** An error meant for the client: its message is safe to show; headers go with the answer (Allow, Retry-After). */
export class ServiceError extends Error {
  readonly statusCode: number
  constructor (readonly code: ErrorCode, message: string, readonly field?: string, readonly headers?: Readonly<Record<string, string>>) {
    super(message)
    this.statusCode = ERROR_CODES[code]
  }
}

/** The body of every error response. */
export interface ErrorBody {
  statusCode: number
  code: ErrorCode
  message: string
  field?: string
}

export function errorBody (code: ErrorCode, message: string, field?: string): ErrorBody {
  const body: ErrorBody = { statusCode: ERROR_CODES[code], code, message }
  return field === undefined ? body : { ...body, field }
}

/** Fastify's own error codes, translated to ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_BAD_URL: 'BAD_REQUEST',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
  FST_ERR_VALIDATION: 'INVALID_REQUEST'
}

/** Messages for Fastify errors whose own message echoes the (possibly huge) request path. */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_BAD_URL: 'the URL path is not valid percent-encoded UTF-8',
  FST_ERR_MAX_PARAM_LENGTH: 'a path segment is too long'
}

/** Errors Node raises on a connection before any request exists (the clientError event). */
const CONNECTION_CODES: Record<string, ErrorCode> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE'
}

/**
 * Any other 4xx from a layer below ours (Fastify, Node, @fastify/static's send, rate-limit): the
 * status keeps its standard wording and gets the code for it. A 4xx status nobody listed here is
 * still the client's fault: 400 BAD_REQUEST, never a 500 that would page someone.
 */
const STATUS_CODES_4XX: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  411: 'LENGTH_REQUIRED',
  412: 'PRECONDITION_FAILED',
  413: 'BODY_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'RANGE_NOT_SATISFIABLE',
  429: 'TOO_MANY_REQUESTS',
  431: 'HEADERS_TOO_LARGE'
}

interface FastifyLikeError {
  code?: string
  statusCode?: number
  message: string
  validation?: Array<{ instancePath: string, message?: string, params?: Record<string, unknown> }>
  validationContext?: string
}

/** Maps any thrown error to a client-safe body; unknown errors become INTERNAL without details. */
export function toErrorBody (err: FastifyLikeError): ErrorBody {
  if (err instanceof ServiceError) return errorBody(err.code, err.message, err.field)
  if (err.validation !== undefined && err.validation.length > 0) {
    const first = err.validation[0]
    // a missing or an unexpected property is named by its parent's path plus its own name
    const named = first.params?.missingProperty ?? first.params?.additionalProperty
    const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.')
    const field = [path, typeof named === 'string' ? named : ''].filter(Boolean).join('.') || (err.validationContext ?? 'request')
    const where = err.validationContext ?? 'request'
    return errorBody('INVALID_REQUEST', `${where}.${field} ${first.message ?? 'is invalid'}`, field)
  }
  const mapped = err.code !== undefined ? FASTIFY_CODES[err.code] : undefined
  if (mapped !== undefined) return errorBody(mapped, FASTIFY_MESSAGES[err.code ?? ''] ?? err.message)
  if (err instanceof SyntaxError && (err as FastifyLikeError).statusCode === 400) {
    return errorBody('INVALID_JSON', 'body is not valid JSON')
  }
  const status = err.statusCode ?? 500
  if (status >= 400 && status < 500) {
    const code = STATUS_CODES_4XX[status] ?? 'BAD_REQUEST'
    return errorBody(code, STATUS_CODES[ERROR_CODES[code]] ?? 'bad request')
  }
  return errorBody('INTERNAL', 'internal error')
}

/** The answer to a connection-level error: a timeout, oversized headers or malformed HTTP. */
export function toConnectionErrorBody (err: { code?: string }): ErrorBody {
  const code = (err.code !== undefined ? CONNECTION_CODES[err.code] : undefined) ?? 'BAD_REQUEST'
  return errorBody(code, CONNECTION_MESSAGES[code] ?? 'the request is not valid HTTP')
}

const CONNECTION_MESSAGES: Partial<Record<ErrorCode, string>> = {
  REQUEST_TIMEOUT: 'the request was not received in time',
  HEADERS_TOO_LARGE: 'the request headers are too large'
}
