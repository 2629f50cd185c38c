export interface MicroBatcherOptions<I, O> {
  /** Scores one batch; returns one output per input, in order. */
  run: (inputs: I[]) => Promise<O[]>
  /** A batch is started at once when this many inputs wait. */
  maxBatch: number
  /** How long the first waiting input may wait for company; 0 = until the current I/O phase ends. */
  maxWaitMs: number
  /** Each batch's size, for the batch-size histogram. */
  onBatch?: (size: number) => void
}

interface Waiting<I, O> {
  input: I
  resolve: (output: O) => void
  reject: (err: unknown) => void
}

/**
 * Groups concurrent requests into one call: requests that arrive while a batch runs wait and go
 * together in the next, so a busy service does one large matrix product instead of many small
 * ones. One batch runs at a time; nothing is left waiting after `close()`.
 */
export class MicroBatcher<I, O> {
  readonly #options: MicroBatcherOptions<I, O>
  #queue: Array<Waiting<I, O>> = []
  #timer: NodeJS.Timeout | NodeJS.Immediate | undefined
  #running = false
  #closed = false

  constructor (options: MicroBatcherOptions<I, O>) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${options.maxBatch}`)
    this.#options = options
  }

  async submit (input: I): Promise<O> {
    if (this.#closed) throw new Error('the batcher is closed')
    return await new Promise<O>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject })
      this.#schedule()
    })
  }

  /** Rejects what still waits; a batch already running finishes. */
  close (): void {
    this.#closed = true
    this.#clearTimer()
    const waiting = this.#queue
    this.#queue = []
    for (const w of waiting) w.reject(new Error('the batcher is closed'))
  }

  #schedule (): void {
    if (this.#running) return
    if (this.#queue.length >= this.#options.maxBatch) {
      this.#clearTimer()
      this.#flush()
    } else if (this.#timer === undefined) {
      const flush = (): void => { this.#timer = undefined; this.#flush() }
      this.#timer = this.#options.maxWaitMs > 0 ? setTimeout(flush, this.#options.maxWaitMs) : setImmediate(flush)
    }
  }

  /** Never rejects: a failed run rejects its members' promises instead. */
  async #flush (): Promise<void> {
    if (this.#running || this.#queue.length === 0) return
    this.#running = true
    const batch = this.#queue.splice(0, this.#options.maxBatch)
    try {
      this.#options.onBatch?.(batch.length)
      const outputs = await this.#options.run(batch.map((w) => w.input))
      batch.forEach((w, i) => w.resolve(outputs[i]))
    } catch (err) {
      for (const w of batch) w.reject(err)
    } finally {
      this.#running = false
      // what arrived meanwhile has waited long enough
      if (this.#queue.length > 0 && !this.#closed) {
        this.#clearTimer()
        this.#timer = setImmediate(() => { this.#timer = undefined; this.#flush() })
      }
    }
  }

  #clearTimer (): void {
    if (this.#timer === undefined) return
    clearTimeout(this.#timer as NodeJS.Timeout)
    clearImmediate(this.#timer as NodeJS.Immediate)
    this.#timer = undefined
  }
}
