import type { Logger } from 'pino'
import { RunCancelledError } from '../distill/run-cancelled.js'
import { listVersions } from '../models/artifact/index.js'
import type { Metrics } from '../metrics/metrics.js'
import type { EventLog } from '../stores/event-log.js'
import type { JobStore } from '../stores/job-store.js'
import type { ModelStore } from '../stores/model-store.js'
import type { RunLock } from '../stores/run-lock.js'
import type { VersionChannel } from '../stores/version-channel.js'
import type { JobControl } from './job-control.js'
import type { Canary } from '../versions/canary.js'
import { JobRunner, type Execute } from './job-runner.js'
import { runInThread } from './run-in-thread.js'
import { runInput } from './run-input.js'
import { RunSchedule } from './schedule.js'
import type { WorkerSettings } from './worker-settings.js'

export type { Execute } from './job-runner.js'
export type { WorkerSettings } from './worker-settings.js'

export interface RedistillWorkerOptions {
  settings: WorkerSettings
  control: JobControl
  jobs: JobStore
  lock: RunLock
  channel: VersionChannel
  /** Where versions are published for replicas without them on disk (Redis); absent in one process. */
  models?: ModelStore
  eventLog: EventLog
  metrics: Metrics
  log: Logger
  execute?: Execute
  /** How often the queue and a running job's cancel flag are checked. */
  pollMs?: number
  /** The student version this process serves, when the worker is embedded in a replica. */
  served?: () => number | null
  /** CANARY_PERCENT: see JobRunnerOptions.canary. */
  canary?: Canary
}

const POLL_MS = 1000

/**
 * The re-distillation loop: a schedule submits runs (the first one at once when there is no
 * student anywhere), the queue is polled and its jobs run one at a time by the JobRunner, in a
 * worker thread by default. The same object runs embedded in `npm start` and alone in
 * `npm run worker`. `start` and `stop` are idempotent; `stop` releases every timer and waits
 * for a running job to end cancelled.
 */
export class RedistillWorker {
  readonly #o: RedistillWorkerOptions
  readonly #runner: JobRunner
  readonly #schedule: RunSchedule
  #poller: NodeJS.Timeout | undefined
  #current: { id: string, abort: AbortController, done: Promise<void> } | undefined
  #polling = false
  #stopped = false

  constructor (options: RedistillWorkerOptions) {
    this.#o = options
    const { settings, control, channel, models, eventLog, log } = options
    this.#runner = new JobRunner({
      modelsDir: settings.modelsDir,
      control,
      jobs: options.jobs,
      lock: options.lock,
      channel,
      models,
      metrics: options.metrics,
      log,
      execute: options.execute ?? (async (input, hooks, signal) => await runInThread(input, hooks, signal, settings)),
      input: async (request, runLog) => await runInput(request, { settings, channel, models, eventLog }, runLog),
      watchMs: Math.min(options.pollMs ?? POLL_MS, control.lockTtlMs / 3),
      keepVersions: settings.keepVersions,
      served: options.served,
      canary: options.canary
    })
    this.#schedule = new RunSchedule({ control, intervalMs: settings.redistillIntervalMs, firstRunDue: async () => await this.#noStudentAnywhere(), log })
  }

  /** Starts the schedule and the queue poll; submits a first run at once when no student exists. */
  async start (): Promise<void> {
    if (this.#poller !== undefined || this.#stopped) return
    const { settings } = this.#o
    this.#poller = setInterval(() => { this.#poll().catch(() => {}) }, this.#o.pollMs ?? POLL_MS)
    this.#o.log.info({ intervalMs: settings.redistillIntervalMs, teacherRetrainIntervalMs: settings.teacherRetrainIntervalMs }, 're-distillation worker started')
    await this.#schedule.start()
    this.#poll().catch(() => {})
  }

  /** Stops the schedule, cancels a running job and waits for it to end. */
  async stop (): Promise<void> {
    this.#stopped = true
    this.#schedule.stop()
    clearInterval(this.#poller)
    const current = this.#current
    if (current === undefined) return
    current.abort.abort(new RunCancelledError('the worker is stopping'))
    await current.done
  }

  /** The job running in this worker, if any. */
  get running (): string | undefined {
    return this.#current?.id
  }

  async #noStudentAnywhere (): Promise<boolean> {
    if (listVersions(this.#o.settings.modelsDir, 'student').length > 0) return false
    try {
      if ((await this.#o.channel.active()) !== null) return false
      return (await this.#o.models?.versions('student') ?? []).length === 0
    } catch {
      return true
    }
  }

  async #poll (): Promise<void> {
    if (this.#polling || this.#current !== undefined || this.#stopped) return
    this.#polling = true
    try {
      const id = await this.#o.jobs.dequeue()
      if (id === null) return
      const abort = new AbortController()
      const done = this.#runner.run(id, abort).finally(() => { this.#current = undefined })
      this.#current = { id, abort, done }
      await done
    } catch (err) {
      this.#o.log.warn({ err: (err as Error).message }, 're-distillation queue unavailable')
    } finally {
      this.#polling = false
    }
  }
}
