/** Every error a client can see: one stable code, one HTTP status. */
export const ERROR_CODES = {
  INVALID_REQUEST: 400,
  INVALID_JSON: 400,
  NOT_FOUND: 404,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
  EVENTS_UNAVAILABLE: 503
} as const

export type ErrorCode = keyof typeof ERROR_CODES

/** An error meant for the client: its message is safe to show. */
export class ServiceError extends Error {
  readonly statusCode: number
  constructor (readonly code: ErrorCode, message: string, readonly field?: string) {
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

/** Fastify's own error codes, translated to ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_VALIDATION: 'INVALID_REQUEST'
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
  if (err instanceof ServiceError) {
    return withField({ statusCode: err.statusCode, code: err.code, message: err.message }, err.field)
  }
  if (err.validation !== undefined && err.validation.length > 0) {
    const first = err.validation[0]
    const missing = first.params?.missingProperty
    const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.')
    const field = [path, typeof missing === 'string' ? missing : ''].filter(Boolean).join('.') || (err.validationContext ?? 'request')
    const where = err.validationContext ?? 'request'
    return { statusCode: 400, code: 'INVALID_REQUEST', message: `${where}.${field} ${first.message ?? 'is invalid'}`, field }
  }
  const mapped = err.code !== undefined ? FASTIFY_CODES[err.code] : undefined
  if (mapped !== undefined) {
    return { statusCode: ERROR_CODES[mapped], code: mapped, message: err.message }
  }
  if (err instanceof SyntaxError && (err as { statusCode?: number }).statusCode === 400) {
    return { statusCode: 400, code: 'INVALID_JSON', message: 'body is not valid JSON' }
  }
  return { statusCode: 500, code: 'INTERNAL', message: 'internal error' }
}

function withField (body: ErrorBody, field: string | undefined): ErrorBody {
  return field === undefined ? body : { ...body, field }
}
