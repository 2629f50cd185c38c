/**
 * How many requests are being served, for work of lower priority than serving (shadow scoring):
 * `whenQuiet` resolves on a turn of the event loop that finds no request being served, so a
 * request that arrived with that turn's I/O, or waits for its micro-batch, goes first. Under a
 * load that never leaves the service quiet, what waits starts once the load falls.
 */
export class QuietGate {
  #serving = 0
  #waiting: Array<() => void> = []
  #checking = false

  /** Work waiting for a quiet turn. */
  get waiting (): number {
    return this.#waiting.length
  }

  begin (): void {
    this.#serving++
  }

  end (): void {
    if (--this.#serving === 0) this.#check()
  }

  async whenQuiet (): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#waiting.push(resolve)
      this.#check()
    })
  }

  #check (): void {
    if (this.#checking || this.#serving > 0 || this.#waiting.length === 0) return
    this.#checking = true
    // not at once: the last answer of a micro-batch leaves the count at 0 for a moment, before the
    // callers (and the connections' I/O) have sent the next requests
    setImmediate(() => {
      this.#checking = false
      // still serving: end() checks again when the last of those is answered
      if (this.#serving > 0) return
      const ready = this.#waiting
      this.#waiting = []
      for (const resolve of ready) resolve()
    })
  }
}
