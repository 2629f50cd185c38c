import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { DataFormat } from '../data/interaction-reader.js'
import { DISTILL_DEFAULTS, type DistillLosses } from '../distill/trainer.js'
import { highestVersion, listVersions, versionDir } from '../models/artifact/index.js'
import { parseManifest } from '../models/artifact/manifest.js'
import { RUN_PHASES, type Metrics } from '../metrics/metrics.js'
import { studentFiles } from '../serving/model-loader.js'
import { publishVersion } from '../serving/publish-version.js'
import type { EventLog } from '../stores/event-log.js'
import type { JobStore } from '../stores/job-store.js'
import type { ModelStore } from '../stores/model-store.js'
import type { RunLock } from '../stores/run-lock.js'
import type { VersionChannel } from '../stores/version-channel.js'
import type { BackendName } from '../tf/backend-name.js'
import { JobControl } from './job-control.js'
import { isFinished, type Job, type RunPhase, type RunRequest } from './job.js'
import type { RedistillHooks, RedistillInput, RedistillOutcome } from './redistill-run.js'
import { runInThread, RunCancelledError } from './run-in-thread.js'
import { listStudentVersions, versionBytes } from './student-versions.js'

export interface WorkerSettings {
  dataPath: string
  dataFormat: DataFormat
  seed: number
  modelsDir: string
  redistillIntervalMs: number | null
  teacherRetrainIntervalMs: number | null
  epochs: number
  teacherEpochs: number
  gateTolerance: number
  gateLatencyBudgetMs: number
  backend?: BackendName
  /** Nice value of the training thread; absent leaves it at the process's. */
  nice?: number
}

/** Runs one re-distillation off the caller's event loop: a worker thread by default. */
export type Execute = (input: RedistillInput, hooks: Omit<RedistillHooks, 'signal'>, signal: AbortSignal) => Promise<RedistillOutcome>

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
}

const POLL_MS = 1000
const RUN_OUTCOMES = ['activated', 'rejected', 'failed', 'cancelled'] as const
type RunOutcome = typeof RUN_OUTCOMES[number]

/**
 * The re-distillation loop: starts runs on a schedule (and the first one at once when there is
 * no student anywhere), takes queued jobs one at a time, and for each one trains in a worker
 * thread while renewing the run lock, then publishes the candidate the gate let through, fenced by
 * its version number, so every replica swaps to it. The same object runs embedded in `npm start`
 * and alone in `npm run worker`.
 */
export class RedistillWorker {
  readonly #o: RedistillWorkerOptions
  readonly #execute: Execute
  readonly #log: Logger
  readonly #timers: NodeJS.Timeout[] = []
  #current: { id: string, abort: AbortController, done: Promise<void> } | undefined
  #polling = false
  #stopped = false

  constructor (options: RedistillWorkerOptions) {
    this.#o = options
    this.#log = options.log
    this.#execute = options.execute ?? (async (input, hooks, signal) => await runInThread(input, hooks, signal, options.settings))
    for (const phase of RUN_PHASES) options.metrics.redistillPhase.set({ phase }, phase === 'idle' ? 1 : 0)
    // every outcome exported from the start, so rate() and the alerts see the first one happen
    for (const outcome of RUN_OUTCOMES) options.metrics.redistillRuns.inc({ outcome }, 0)
  }

  /** Starts the schedule and the queue poll; submits a first run at once when no student exists. */
  async start (): Promise<void> {
    const { settings } = this.#o
    const pollMs = this.#o.pollMs ?? POLL_MS
    this.#timers.push(setInterval(() => { this.#poll().catch(() => {}) }, pollMs))
    if (settings.redistillIntervalMs !== null) {
      this.#timers.push(setInterval(() => { this.#submitScheduled('interval').catch(() => {}) }, settings.redistillIntervalMs))
    }
    this.#log.info({ intervalMs: settings.redistillIntervalMs, teacherRetrainIntervalMs: settings.teacherRetrainIntervalMs }, 're-distillation worker started')
    if (await this.#noStudentAnywhere()) await this.#submitScheduled('no student yet')
    this.#poll().catch(() => {})
  }

  /** Stops the schedule, cancels a running job and waits for it to end. */
  async stop (): Promise<void> {
    this.#stopped = true
    for (const timer of this.#timers) clearInterval(timer)
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

  async #submitScheduled (why: string): Promise<void> {
    if (this.#stopped) return
    try {
      const result = await this.#o.control.submit({ trigger: 'schedule' })
      if (result.accepted) this.#log.info({ jobId: result.job.id, why }, 're-distillation scheduled')
      else this.#log.info({ running: result.running, why }, 'scheduled re-distillation skipped: a run is in progress')
    } catch (err) {
      this.#log.warn({ err: (err as Error).message, why }, 'could not schedule a re-distillation')
    }
  }

  async #poll (): Promise<void> {
    if (this.#polling || this.#current !== undefined || this.#stopped) return
    this.#polling = true
    try {
      const id = await this.#o.jobs.dequeue()
      if (id === null) return
      const abort = new AbortController()
      const done = this.#run(id, abort).finally(() => { this.#current = undefined })
      this.#current = { id, abort, done }
      await done
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 're-distillation queue unavailable')
    } finally {
      this.#polling = false
    }
  }

  async #run (id: string, abort: AbortController): Promise<void> {
    const { jobs, lock, control, metrics } = this.#o
    const log = this.#log.child({ jobId: id })
    let job = await jobs.get(id)
    if (job === null || isFinished(job)) return
    if (await jobs.cancelRequested(id)) {
      await jobs.put({ ...job, state: 'cancelled', phase: 'done', reason: 'cancelled before it started', finishedAt: new Date().toISOString() })
      await lock.release(id)
      return
    }
    if (!(await lock.renew(id, control.lockTtlMs)) && !(await lock.acquire(id, control.lockTtlMs))) {
      await jobs.put({ ...job, state: 'failed', phase: 'done', reason: `another run holds the lock (${await lock.holder() ?? 'unknown'})`, finishedAt: new Date().toISOString() })
      return
    }
    const started = performance.now()
    job = { ...job, state: 'running', startedAt: new Date().toISOString() }
    let saved: Promise<void> = jobs.put(job)
    const update = (patch: Partial<Job>): void => {
      job = { ...job!, ...patch }
      const snapshot = job
      saved = saved.then(async () => await jobs.put(snapshot)).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'job progress not recorded'))
    }
    const setPhase = (phase: RunPhase): void => {
      for (const p of RUN_PHASES) metrics.redistillPhase.set({ phase: p }, p === phase ? 1 : 0)
      if (job!.phase !== phase) log.info({ phase }, 're-distillation phase')
      update({ phase })
    }
    // the lock is renewed and the cancel flag read while the thread trains
    const watch = setInterval(() => {
      lock.renew(id, control.lockTtlMs).then((held) => {
        if (!held) abort.abort(new Error('the run lock was lost (expired or taken): this run may not publish'))
      }, () => {})
      jobs.cancelRequested(id).then((cancel) => { if (cancel) abort.abort(new RunCancelledError('cancelled by request')) }, () => {})
    }, Math.min(this.#o.pollMs ?? POLL_MS, control.lockTtlMs / 3))
    try {
      const input = await this.#input(job.request, log)
      update({ version: input.version })
      log.info({ version: input.version, teacher: input.teacher, events: input.events.length, active: input.active?.version ?? null }, 're-distillation started')
      const outcome = await this.#execute(input, {
        phase: setPhase,
        epoch: (e) => {
          update({ epoch: e.epoch, epochs: e.epochs, loss: e.loss, etaSeconds: e.etaSeconds, history: [...job!.history, { stage: e.stage, epoch: e.epoch, loss: e.loss, validNdcg: e.validNdcg, seconds: e.seconds }] })
          log.info({ stage: e.stage, epoch: e.epoch, epochs: e.epochs, loss: Number(e.loss.toFixed(4)), validNdcg: e.validNdcg === undefined ? undefined : Number(e.validNdcg.toFixed(4)) }, 'epoch done')
        },
        log: (line) => log.info(line)
      }, abort.signal)
      if (abort.signal.aborted) throw abort.signal.reason
      metrics.validationNdcg.set({ model: 'candidate' }, outcome.candidateNdcg)
      if (outcome.activeNdcg !== null) metrics.validationNdcg.set({ model: 'active' }, outcome.activeNdcg)
      const figures = { teacherVersion: outcome.teacherVersion, candidateNdcg: outcome.candidateNdcg, activeNdcg: outcome.activeNdcg, latencyMs: outcome.latencyMs }
      if (outcome.state === 'rejected') {
        this.#finish(update, 'rejected', { ...figures, reason: outcome.reason }, started)
        log.warn({ version: outcome.version, reason: outcome.reason }, 'candidate rejected by the validation gate; the active student keeps serving')
        return
      }
      setPhase('publishing')
      await this.#publish(outcome.version, id)
      metrics.validationNdcg.set({ model: 'active' }, outcome.candidateNdcg)
      metrics.redistillLastSuccess.set(Date.now() / 1000)
      this.#finish(update, 'activated', figures, started)
      log.info({ version: outcome.version, validNdcg: outcome.candidateNdcg, activeNdcg: outcome.activeNdcg, seconds: Math.round((performance.now() - started) / 1000) }, 'student activated')
    } catch (thrown) {
      // an abort's own reason says why (a cancel, the worker stopping, a lost lock), not the thread's echo of it
      const err = (abort.signal.aborted ? abort.signal.reason : thrown) as Error
      const cancelled = err instanceof RunCancelledError
      this.#finish(update, cancelled ? 'cancelled' : 'failed', { reason: err.message }, started)
      if (cancelled) log.info({ reason: err.message }, 're-distillation cancelled')
      else log.error({ err }, 're-distillation failed; the active student keeps serving')
    } finally {
      clearInterval(watch)
      for (const p of RUN_PHASES) metrics.redistillPhase.set({ phase: p }, p === 'idle' ? 1 : 0)
      await saved
      await lock.release(id).catch(() => {})
    }
  }

  #finish (update: (patch: Partial<Job>) => void, state: RunOutcome, patch: Partial<Job>, started: number): void {
    update({ ...patch, state, phase: 'done', finishedAt: new Date().toISOString() })
    this.#o.metrics.redistillRuns.inc({ outcome: state })
    this.#o.metrics.redistillDuration.observe((performance.now() - started) / 1000)
  }

  /** What the thread needs: settings, every event, the teacher decision, the active student's files and the fencing token. */
  async #input (request: RunRequest, log: Logger): Promise<RedistillInput> {
    const { settings, channel, models, eventLog } = this.#o
    const events: RedistillInput['events'] = []
    for await (const { userId, itemId } of eventLog.readAll()) events.push({ userId, itemId })
    const activeVersion = await this.#activeStudent()
    let active: RedistillInput['active'] = null
    if (activeVersion !== null) {
      try {
        const { files } = await studentFiles(activeVersion, { modelsDir: settings.modelsDir, store: models })
        active = { version: activeVersion, files: await versionBytes(files) }
      } catch (err) {
        log.warn({ version: activeVersion, err: (err as Error).message }, 'active student unreadable: no warm start, no quality baseline')
      }
    }
    const floor = Math.max(await highestVersion(settings.modelsDir, 'student'), ...(await models?.versions('student') ?? []))
    const version = await channel.reserve(floor)
    return {
      dataPath: settings.dataPath,
      dataFormat: settings.dataFormat,
      seed: settings.seed,
      modelsDir: settings.modelsDir,
      events,
      version,
      teacher: this.#teacherMode(request),
      teacherEpochs: settings.teacherEpochs,
      epochs: request.epochs ?? settings.epochs,
      losses: lossesOf(request),
      ensemble: request.ensemble ?? false,
      force: request.force ?? false,
      warmStart: request.warmStart ?? true,
      active,
      gate: { tolerance: settings.gateTolerance, latencyBudgetMs: settings.gateLatencyBudgetMs }
    }
  }

  /** The version replicas serve: the one recorded as active, else the newest ready one. */
  async #activeStudent (): Promise<number | null> {
    const recorded = await this.#o.channel.active()
    if (recorded !== null) return recorded
    const versions = await listStudentVersions({ modelsDir: this.#o.settings.modelsDir, store: this.#o.models }, null)
    return versions.find((v) => v.state === 'ready')?.version ?? null
  }

  #teacherMode (request: RunRequest): RedistillInput['teacher'] {
    const { modelsDir, teacherRetrainIntervalMs } = this.#o.settings
    const newest = listVersions(modelsDir, 'teacher').at(-1)
    if (request.teacher === 'retrain') return 'retrain'
    if (request.teacher === 'reuse') return newest === undefined ? 'none' : 'reuse'
    if (newest === undefined) return teacherRetrainIntervalMs === null ? 'none' : 'retrain'
    if (teacherRetrainIntervalMs === null) return 'reuse'
    return Date.now() - teacherCreated(modelsDir, newest) >= teacherRetrainIntervalMs ? 'retrain' : 'reuse'
  }

  /** Fenced: a run whose lock expired, or that a newer run overtook, publishes nothing. */
  async #publish (version: number, id: string): Promise<void> {
    const { lock, control, channel, models, settings } = this.#o
    if (!(await lock.renew(id, control.lockTtlMs))) throw new Error(`the run lock was lost before publishing v${version}: not published`)
    const { activated } = await publishVersion({ modelsDir: settings.modelsDir, version, store: models, channel, fence: version })
    if (!activated) throw new Error(`v${version} was fenced out: a newer run has published since`)
  }
}

function lossesOf (request: RunRequest): DistillLosses {
  if (request.losses === undefined && request.temperature === undefined) return DISTILL_DEFAULTS.losses
  const names = request.losses ?? ['task', 'kd']
  const temperature = request.temperature ?? 1
  const losses: DistillLosses = {}
  if (names.includes('task')) losses.task = { weight: 1 }
  if (names.includes('kd')) losses.kd = { weight: 1, temperature, normalise: 'support' }
  if (names.includes('ranking')) losses.ranking = { weight: 1, k: 10 }
  if (names.includes('hint')) losses.hint = { weight: 1 }
  return losses
}

function teacherCreated (modelsDir: string, version: number): number {
  try {
    const file = join(versionDir(modelsDir, 'teacher', version), 'manifest.json')
    return Date.parse(parseManifest(JSON.parse(readFileSync(file, 'utf8')), file).created)
  } catch {
    return 0
  }
}
