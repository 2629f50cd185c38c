import type { Redis } from 'ioredis'
import type { Job } from './job.js'
import { JOBS_KEPT, type JobStore } from './job-store.js'

/** Finished or not, a job's record and cancel flag are dropped after a week. */
const TTL_SECONDS = 7 * 24 * 3600

export interface RedisJobStoreOptions {
  /** Owned by the caller: close() leaves it open. */
  client: Redis
  prefix: string
}

/**
 * `<prefix>job:<id>` holds a job as JSON, `<prefix>job:<id>:cancel` its cancel flag,
 * `<prefix>jobs` a sorted set of ids by creation time (trimmed to JOBS_KEPT), and
 * `<prefix>jobs:queue` the ids waiting for a worker (trimmed to the newest JOBS_KEPT).
 */
export class RedisJobStore implements JobStore {
  readonly #client: Redis
  readonly #prefix: string

  constructor ({ client, prefix }: RedisJobStoreOptions) {
    this.#client = client
    this.#prefix = prefix
  }

  async put (job: Job): Promise<void> {
    await this.#client.multi()
      .set(this.#key(job.id), JSON.stringify(job), 'EX', TTL_SECONDS)
      .zadd(this.#indexKey, Date.parse(job.createdAt), job.id)
      .zremrangebyrank(this.#indexKey, 0, -(JOBS_KEPT + 1))
      .exec()
  }

  async get (id: string): Promise<Job | null> {
    const raw = await this.#client.get(this.#key(id))
    return raw === null ? null : JSON.parse(raw) as Job
  }

  async list (limit: number): Promise<Job[]> {
    if (!(limit >= 1)) return []
    const ids = await this.#client.zrevrange(this.#indexKey, 0, limit - 1)
    if (ids.length === 0) return []
    const raws = await this.#client.mget(ids.map((id) => this.#key(id)))
    return raws.filter((raw): raw is string => raw !== null).map((raw) => JSON.parse(raw) as Job)
  }

  async enqueue (id: string): Promise<void> {
    await this.#client.multi()
      .rpush(this.#queueKey, id)
      .ltrim(this.#queueKey, -JOBS_KEPT, -1)
      .exec()
  }

  async dequeue (): Promise<string | null> {
    return await this.#client.lpop(this.#queueKey)
  }

  async requestCancel (id: string): Promise<void> {
    await this.#client.set(`${this.#key(id)}:cancel`, '1', 'EX', TTL_SECONDS)
  }

  async cancelRequested (id: string): Promise<boolean> {
    return await this.#client.exists(`${this.#key(id)}:cancel`) === 1
  }

  async close (): Promise<void> {}

  #key (id: string): string {
    return `${this.#prefix}job:${id}`
  }

  get #indexKey (): string {
    return `${this.#prefix}jobs`
  }

  get #queueKey (): string {
    return `${this.#prefix}jobs:queue`
  }
}
