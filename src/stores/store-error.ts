/** Machine-readable codes of the errors the stores raise themselves (Redis/fs errors pass through). */
export type StoreErrorCode =
  | 'STORE_INVALID_OPTION'
  | 'STORE_CLOSED'
  | 'CACHE_INVALID_TTL'
  | 'EVENT_INVALID'
  | 'EVENT_LOG_CORRUPT'

export class StoreError extends Error {
  readonly code: StoreErrorCode

  constructor (code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StoreError'
    this.code = code
  }
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
