import type { Logger } from 'pino'
import type { Metrics } from '../metrics/metrics.js'
import { isFinished, RUN_PHASES, type Job, type RunPhase, type RunRequest } from '../stores/job.js'
import type { JobStore } from '../stores/job-store.js'
import type { ModelStore } from '../stores/model-store.js'
import type { RunLock } from '../stores/run-lock.js'
import type { VersionChannel } from '../stores/version-channel.js'
import { activateVersion } from '../versions/activate.js'
import { applyRetention } from '../versions/apply-retention.js'
import { rejectVersion } from '../versions/reject-version.js'
import { RunCancelledError } from '../distill/run-cancelled.js'
import type { Canary } from '../versions/canary.js'
import type { JobControl } from './job-control.js'
import type { RedistillHooks, RedistillInput, RedistillOutcome } from './redistill-run.js'

/** Runs one re-distillation off the caller's event loop: a worker thread by default. */
export type Execute = (input: RedistillInput, hooks: Omit<RedistillHooks, 'signal'>, signal: AbortSignal) => Promise<RedistillOutcome>

export interface JobRunnerOptions {
  modelsDir: string
  control: JobControl
  jobs: JobStore
  lock: RunLock
  channel: VersionChannel
  models?: ModelStore
  metrics: Metrics
  log: Logger
  execute: Execute
  /** What the run is given for its request (see runInput). */
  input: (request: RunRequest, log: Logger) => Promise<RedistillInput>
  /** How often a running job's lock is renewed and its cancel flag read (at most a third of the lock's TTL). */
  watchMs: number
  /** KEEP_VERSIONS: retention after each activation (see versions/retention.ts). */
  keepVersions: number
  /** The student version this process serves (a worker embedded in a replica): never removed. */
  served?: () => number | null
  /** CANARY_PERCENT: a gated candidate is activated only when its canary experiment says so. */
  canary?: Canary
}

/** The phase gauge's label values: no run (`idle`), or the phase a run is in until it is done. */
export const PHASE_GAUGE = ['idle', ...RUN_PHASES.filter((phase) => phase !== 'done')]
const RUN_OUTCOMES = ['activated', 'rejected', 'failed', 'cancelled'] as const
type RunOutcome = typeof RUN_OUTCOMES[number]

/**
 * One job from queued to done: takes the run lock, trains (renewing the lock and reading the
 * cancel flag meanwhile), records phase, epochs and figures as it goes, and activates the
 * candidate the gate let through, fenced by its version number. Every outcome is written to the
 * job, counted and logged with `jobId`, `phase` and `version` fields.
 */
export class JobRunner {
  readonly #o: JobRunnerOptions

  constructor (options: JobRunnerOptions) {
    this.#o = options
    for (const phase of PHASE_GAUGE) options.metrics.redistillPhase.set({ phase }, phase === 'idle' ? 1 : 0)
    // every outcome exported from the start, so rate() and the alerts see the first one happen
    for (const outcome of RUN_OUTCOMES) options.metrics.redistillRuns.inc({ outcome }, 0)
  }

  async run (id: string, abort: AbortController): Promise<void> {
    const { jobs, lock, control, metrics } = this.#o
    const log = this.#o.log.child({ jobId: id })
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
      for (const p of PHASE_GAUGE) metrics.redistillPhase.set({ phase: p }, p === phase ? 1 : 0)
      if (job!.phase !== phase) log.info({ phase, version: job!.version }, 're-distillation phase')
      update({ phase })
    }
    const watch = setInterval(() => {
      lock.renew(id, control.lockTtlMs).then((held) => {
        if (!held) abort.abort(new Error('the run lock was lost (expired or taken): this run may not publish'))
      }, () => {})
      jobs.cancelRequested(id).then((cancel) => { if (cancel) abort.abort(new RunCancelledError('cancelled by request')) }, () => {})
    }, this.#o.watchMs)
    try {
      const input = await this.#o.input(job.request, log)
      update({ version: input.version })
      log.info({ version: input.version, teacher: input.teacher, events: input.events.length, active: input.active?.version ?? null }, 're-distillation started')
      const outcome = await this.#o.execute(input, {
        phase: setPhase,
        epoch: (e) => {
          update({ epoch: e.epoch, epochs: e.epochs, loss: e.loss, etaSeconds: e.etaSeconds, history: [...job!.history, { stage: e.stage, epoch: e.epoch, loss: e.loss, validNdcg: e.validNdcg, seconds: e.seconds }] })
          log.info({ phase: job!.phase, version: input.version, stage: e.stage, epoch: e.epoch, epochs: e.epochs, loss: Number(e.loss.toFixed(4)), validNdcg: e.validNdcg === undefined ? undefined : Number(e.validNdcg.toFixed(4)) }, 'epoch done')
        },
        log: (line, fields) => log.info({ phase: job!.phase, version: input.version, ...fields }, line)
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
      const canary = this.#o.canary === undefined ? undefined : await this.#o.canary(outcome.version, input.active?.version ?? null, abort.signal, log)
      if (canary !== undefined && !canary.activate) {
        // as the gate's rejections are: never loaded, never taken for the active student
        await rejectVersion(outcome.version, `canary: ${canary.reason}`, { modelsDir: this.#o.modelsDir, store: this.#o.models })
        this.#finish(update, 'rejected', { ...figures, reason: `canary: ${canary.reason}` }, started)
        log.warn({ version: outcome.version, reason: canary.reason }, 'candidate kept out by its canary; the active student keeps serving')
        return
      }
      try {
        await this.#publish(outcome.version, id)
      } catch (err) {
        await canary?.settle(false)
        throw err
      }
      await canary?.settle(true)
      metrics.validationNdcg.set({ model: 'active' }, outcome.candidateNdcg)
      metrics.redistillLastSuccess.set(Date.now() / 1000)
      await this.#retain(outcome.version, log)
      this.#finish(update, 'activated', figures, started)
      log.info({ version: outcome.version, validNdcg: outcome.candidateNdcg, activeNdcg: outcome.activeNdcg, ...sampledUsers(outcome.evaluationSample), seconds: Math.round((performance.now() - started) / 1000) }, 'student activated')
    } catch (thrown) {
      // an abort's own reason says why (a cancel, the worker stopping, a lost lock), not the thread's echo of it
      const err = (abort.signal.aborted ? abort.signal.reason : thrown) as Error
      const cancelled = err instanceof RunCancelledError
      this.#finish(update, cancelled ? 'cancelled' : 'failed', { reason: err.message }, started)
      if (cancelled) log.info({ reason: err.message, version: job.version }, 're-distillation cancelled')
      else log.error({ err, version: job.version }, 're-distillation failed; the active student keeps serving')
    } finally {
      clearInterval(watch)
      for (const p of PHASE_GAUGE) metrics.redistillPhase.set({ phase: p }, p === 'idle' ? 1 : 0)
      await saved
      await lock.release(id).catch(() => {})
    }
  }

  #finish (update: (patch: Partial<Job>) => void, state: RunOutcome, patch: Partial<Job>, started: number): void {
    update({ ...patch, state, phase: 'done', finishedAt: new Date().toISOString() })
    this.#o.metrics.redistillRuns.inc({ outcome: state })
    this.#o.metrics.redistillDuration.observe((performance.now() - started) / 1000)
  }

  /**
   * Removes the versions retention does not keep, once the run's version is active and announced.
   * Its failure is logged and never fails the run: the next activation tries again.
   */
  async #retain (version: number, log: Logger): Promise<void> {
    const { modelsDir, models, channel, keepVersions, served } = this.#o
    try {
      const removed = await applyRetention({ modelsDir, store: models, channel, keep: keepVersions, served: served?.() ?? null, log })
      if (removed.students.length + removed.teachers.length > 0) {
        log.info({ version, keepVersions, removedStudents: removed.students, removedTeachers: removed.teachers }, 'old versions removed')
      }
    } catch (err) {
      log.warn({ version, keepVersions, err: (err as Error).message }, 'retention failed; old versions stay until the next activation')
    }
  }

  /** Fenced: a run whose lock expired, or that a newer run overtook, publishes nothing. */
  async #publish (version: number, id: string): Promise<void> {
    const { lock, control, channel, models, modelsDir } = this.#o
    if (!(await lock.renew(id, control.lockTtlMs))) throw new Error(`the run lock was lost before publishing v${version}: not published`)
    const { activated } = await activateVersion({ modelsDir, version, store: models, channel, fence: version })
    if (!activated) throw new Error(`v${version} was fenced out: a newer run has published since`)
  }
}

/** A sampled evaluation's users, for the log lines that carry its figures. */
function sampledUsers (sample: RedistillOutcome['evaluationSample']): { validUsers?: string } {
  return sample == null ? {} : { validUsers: `${sample.valid.evaluated} of ${sample.valid.of} (sampled)` }
}
