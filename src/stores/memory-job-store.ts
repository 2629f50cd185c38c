import type { Job } from './job.js'
import { JOBS_KEPT, type JobStore } from './job-store.js'

/** In-memory twin of RedisJobStore: one process without Redis. Records are copied in and out. */
export class MemoryJobStore implements JobStore {
  readonly #jobs = new Map<string, string>()
  readonly #queue: string[] = []
  readonly #cancelled = new Set<string>()

  // a Map keeps first-insertion order, so the oldest created job is the first one evicted
  async put (job: Job): Promise<void> {
    this.#jobs.set(job.id, JSON.stringify(job))
    while (this.#jobs.size > JOBS_KEPT) {
      const oldest = this.#jobs.keys().next().value as string
      this.#jobs.delete(oldest)
      this.#cancelled.delete(oldest)
    }
  }

  async get (id: string): Promise<Job | null> {
    const raw = this.#jobs.get(id)
    return raw === undefined ? null : JSON.parse(raw) as Job
  }

  async list (limit: number): Promise<Job[]> {
    const all = [...this.#jobs.values()].map((raw) => JSON.parse(raw) as Job)
    return all.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit)
  }

  async enqueue (id: string): Promise<void> {
    this.#queue.push(id)
    if (this.#queue.length > JOBS_KEPT) this.#queue.shift()
  }

  async dequeue (): Promise<string | null> {
    return this.#queue.shift() ?? null
  }

  async requestCancel (id: string): Promise<void> {
    this.#cancelled.add(id)
  }

  async cancelRequested (id: string): Promise<boolean> {
    return this.#cancelled.has(id)
  }

  async close (): Promise<void> {}
}
