const RESOLVED = Promise.resolve()

/**
 * Work kept off the response path: started at once, never awaited by the request, bounded (past
 * `maxInFlight` a task is dropped, not queued), its failures handed to `onError`. `idle()`
 * resolves once everything started has ended (at shutdown, and in tests).
 */
export class BackgroundTasks {
  readonly #maxInFlight: number
  readonly #onError: (op: string, err: unknown) => void
  readonly #onDropped: (op: string) => void
  // a count, not a set of the tasks' promises: one task runs on every request (impressions), and
  // adding a promise to a set first gives it an identity hash
  #running = 0
  #idle: Array<() => void> = []
  readonly #ended = (): void => {
    if (--this.#running > 0 || this.#idle.length === 0) return
    const waiting = this.#idle
    this.#idle = []
    for (const resolve of waiting) resolve()
  }

  constructor ({ maxInFlight = 10_000, onError, onDropped = () => {} }: { maxInFlight?: number, onError: (op: string, err: unknown) => void, onDropped?: (op: string) => void }) {
    this.#maxInFlight = maxInFlight
    this.#onError = onError
    this.#onDropped = onDropped
  }

  get inFlight (): number {
    return this.#running
  }

  /** Starts `task` unless too many are running; never throws, never rejects. */
  run (op: string, task: () => Promise<void>): void {
    if (this.#running >= this.#maxInFlight) {
      this.#onDropped(op)
      return
    }
    this.#running++
    // started on a microtask, so a task that throws synchronously still fails here, not in the
    // caller; two promises a task besides its own
    RESOLVED.then(task).then(this.#ended, (err: unknown) => {
      try {
        this.#onError(op, err)
      } finally {
        this.#ended()
      }
    })
  }

  /** Resolves once every task started, and every task those started, has ended. */
  async idle (): Promise<void> {
    while (this.#running > 0) await new Promise<void>((resolve) => { this.#idle.push(resolve) })
  }
}
