import type { Logger } from 'pino'
import type { JobControl } from './job-control.js'

export interface RunScheduleOptions {
  control: JobControl
  /** Between scheduled runs; null: none. */
  intervalMs: number | null
  /** Whether a first run is due at once (no student anywhere yet). */
  firstRunDue: () => Promise<boolean>
  log: Logger
}

/**
 * Submits a run every `intervalMs`, and one at once on start when no student exists yet. A run
 * already queued or running makes a scheduled one a no-op (logged). `start` and `stop` are
 * idempotent and release the timer.
 */
export class RunSchedule {
  readonly #o: RunScheduleOptions
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor (options: RunScheduleOptions) {
    this.#o = options
  }

  async start (): Promise<void> {
    if (this.#timer !== undefined || this.#stopped) return
    const { intervalMs } = this.#o
    if (intervalMs !== null) this.#timer = setInterval(() => { this.#submit('interval').catch(() => {}) }, intervalMs)
    if (await this.#o.firstRunDue()) await this.#submit('no student yet')
  }

  stop (): void {
    this.#stopped = true
    clearInterval(this.#timer)
  }

  async #submit (why: string): Promise<void> {
    if (this.#stopped) return
    try {
      const result = await this.#o.control.submit({ trigger: 'schedule' })
      if (result.accepted) this.#o.log.info({ jobId: result.job.id, why }, 're-distillation scheduled')
      else this.#o.log.info({ running: result.running, why }, 'scheduled re-distillation skipped: a run is in progress')
    } catch (err) {
      this.#o.log.warn({ err: (err as Error).message, why }, 'could not schedule a re-distillation')
    }
  }
}
