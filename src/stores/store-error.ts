/** Machine-readable codes of the errors the stores raise themselves (Redis/fs errors pass through). */
export type StoreErrorCode =
  | 'STORE_INVALID_OPTION'
  | 'STORE_CLOSED'
  | 'CACHE_INVALID_TTL'
  | 'EVENT_INVALID'
  | 'EVENT_LOG_CORRUPT'
  | 'EXPERIMENT_CORRUPT'
  | 'EVENT_NOT_REPLICATED'

export class StoreError extends Error {
  readonly code: StoreErrorCode

  constructor (code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StoreError'
    this.code = code
  }
}

/**
 * A port's way of saying it cannot answer now and did not try (Redis's breaker is open): callers
 * fall back without logging a failure. Any store may throw it; nothing above the stores needs to
 * know why.
 */
export class StoreUnavailableError extends Error {
  readonly code: string = 'STORE_UNAVAILABLE'

  constructor (message = 'store unavailable: not called') {
    super(message)
    this.name = 'StoreUnavailableError'
  }
}

export function isUnavailable (err: unknown): boolean {
  return err instanceof StoreUnavailableError
}

/** Throws STORE_INVALID_OPTION unless `value` is a positive integer. */
export function assertPositiveInt (name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new StoreError('STORE_INVALID_OPTION', `${name} must be a positive integer, got ${value}`)
  }
}

/** Throws CACHE_INVALID_TTL unless ttlMs is a finite number above 0. */
export function assertTtl (ttlMs: number): void {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new StoreError('CACHE_INVALID_TTL', `ttlMs must be a finite number above 0, got ${ttlMs}`)
  }
}
