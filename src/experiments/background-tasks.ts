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
  readonly #running = new Set<Promise<void>>()

  constructor ({ maxInFlight = 10_000, onError, onDropped = () => {} }: { maxInFlight?: number, onError: (op: string, err: unknown) => void, onDropped?: (op: string) => void }) {
    this.#maxInFlight = maxInFlight
    this.#onError = onError
    this.#onDropped = onDropped
  }

  get inFlight (): number {
    return this.#running.size
  }

  /** Starts `task` unless too many are running; never throws, never rejects. */
  run (op: string, task: () => Promise<void>): void {
    if (this.#running.size >= this.#maxInFlight) {
      this.#onDropped(op)
      return
    }
    // started on a microtask, so a task that throws synchronously still fails here, not in the
    // caller; two promises a task besides its own (one runs on every request: impressions)
    const running: Promise<void> = RESOLVED.then(task).then(
      () => { this.#running.delete(running) },
      (err: unknown) => {
        try {
          this.#onError(op, err)
        } finally {
          this.#running.delete(running)
        }
      })
    this.#running.add(running)
  }

  async idle (): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running])
  }
}
