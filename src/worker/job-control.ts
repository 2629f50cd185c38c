import type { JobStore } from '../stores/job-store.js'
import type { RunLock } from '../stores/run-lock.js'
import { isFinished, newJob, type Job, type RunRequest } from '../stores/job.js'

export interface JobControlOptions {
  jobs: JobStore
  lock: RunLock
  /** How long the lock lives without renewal: a queued job waits at most this long for a worker. */
  lockTtlMs: number
}

export type SubmitResult = { accepted: true, job: Job } | { accepted: false, running: string }

/**
 * Starting, reading and cancelling runs, for the admin API and the worker's schedule alike. A
 * job takes the run lock when it is created, so a second request while one is queued or running
 * is refused with the holder's id; the worker that runs the job renews the lock.
 */
export class JobControl {
  readonly #o: JobControlOptions

  constructor (options: JobControlOptions) {
    this.#o = options
  }

  get lockTtlMs (): number {
    return this.#o.lockTtlMs
  }

  async submit (request: RunRequest): Promise<SubmitResult> {
    const job = newJob(request)
    if (!(await this.#o.lock.acquire(job.id, this.#o.lockTtlMs))) {
      const running = await this.#o.lock.holder()
      // the holder may have released it in between: a retry by the caller then succeeds
      return { accepted: false, running: running ?? 'unknown' }
    }
    await this.#o.jobs.put(job)
    await this.#o.jobs.enqueue(job.id)
    return { accepted: true, job }
  }

  /**
   * The job, with a run whose worker died (it holds no lock any more) reported, and recorded,
   * as failed.
   */
  async get (id: string): Promise<Job | null> {
    const job = await this.#o.jobs.get(id)
    if (job === null || job.state !== 'running') return job
    if ((await this.#o.lock.holder()) === id) return job
    const again = await this.#o.jobs.get(id)
    if (again === null || again.state !== 'running') return again
    const failed: Job = { ...again, state: 'failed', reason: 'the worker running it stopped (its run lock expired)', finishedAt: new Date().toISOString() }
    await this.#o.jobs.put(failed)
    return failed
  }

  async list (limit: number): Promise<Job[]> {
    return await this.#o.jobs.list(limit)
  }

  /**
   * Asks the run to stop: a running job stops within one training step (the worker then records
   * it as cancelled), a queued one is cancelled at once. Null for an unknown id.
   */
  async cancel (id: string): Promise<Job | null> {
    const job = await this.get(id)
    if (job === null || isFinished(job)) return job
    await this.#o.jobs.requestCancel(id)
    if (job.state !== 'queued') return job
    const cancelled: Job = { ...job, state: 'cancelled', phase: 'done', reason: 'cancelled before it started', finishedAt: new Date().toISOString() }
    await this.#o.jobs.put(cancelled)
    await this.#o.lock.release(id)
    return cancelled
  }
}
