import type { RedisConnection } from './redis-client.js'
import type { Job } from './job.js'
import { JOBS_KEPT, type JobStore } from './job-store.js'
import { keysFor, type RedisKeys } from './redis-keys.js'

/** Finished or not, a job's record and cancel flag are dropped after a week. */
const TTL_SECONDS = 7 * 24 * 3600

export interface RedisJobStoreOptions {
  /** Owned by the caller: close() leaves it open. */
  client: RedisConnection
  prefix: string
}

/**
 * `<prefix>job:<id>` holds a job as JSON, `<prefix>job:<id>:cancel` its cancel flag,
 * `<prefix>jobs` a sorted set of ids by creation time (trimmed to JOBS_KEPT), and
 * `<prefix>jobs:queue` the ids waiting for a worker (trimmed to the newest JOBS_KEPT). On a cluster
 * they share the hash tag `{job}` (`<prefix>{job}:<id>`, `<prefix>{job}s`, ...), so a MULTI may touch them together.
 */
export class RedisJobStore implements JobStore {
  readonly #client: RedisConnection
  readonly #keys: RedisKeys

  constructor ({ client, prefix }: RedisJobStoreOptions) {
    this.#client = client
    this.#keys = keysFor(client, prefix)
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
    await this.#client.set(this.#keys.jobCancel(id), '1', 'EX', TTL_SECONDS)
  }

  async cancelRequested (id: string): Promise<boolean> {
    return await this.#client.exists(this.#keys.jobCancel(id)) === 1
  }

  async close (): Promise<void> {}

  #key (id: string): string {
    return this.#keys.job(id)
  }

  get #indexKey (): string {
    return this.#keys.jobIndex
  }

  get #queueKey (): string {
    return this.#keys.jobQueue
  }
}
