/** Addresses remembered at once: a spray from many addresses costs bounded memory. */
const MAX_ADDRESSES = 10_000

interface Window { count: number, resetAt: number }

/**
 * Failed admin authentications per client address in fixed windows. Kept apart from the
 * operator's own rate limit, so that wrong tokens from a shared NAT or proxy address lock out
 * that address's guessing, never the holder of the token. Past MAX_ADDRESSES the oldest window
 * is forgotten first.
 */
export class AuthFailures {
  readonly #windows = new Map<string, Window>()

  constructor (
    private readonly maxPerWindow: number,
    private readonly windowMs: number,
    // Date.now() is passed in for testability
    private readonly now: () => number = Date.now
  ) {}

  /** Seconds until `address` may try again, or 0 while it is under the limit. Does not count. */
  blockedFor (address: string): number {
    const window = this.#current(address)
    return window !== undefined && window.count >= this.maxPerWindow ? Math.ceil((window.resetAt - this.now()) / 1000) : 0
  }

  /** Counts one failure from `address`. */
  record (address: string): void {
    const window = this.#current(address) ?? { count: 0, resetAt: this.now() + this.windowMs }
    window.count++
    this.#windows.delete(address)
    this.#windows.set(address, window)
    if (this.#windows.size > MAX_ADDRESSES) this.#windows.delete(this.#windows.keys().next().value as string)
  }

  #current (address: string): Window | undefined {
    const window = this.#windows.get(address)
    if (window === undefined || window.resetAt > this.now()) return window
    this.#windows.delete(address)
    return undefined
  }
}
