import type { Redis } from 'ioredis'
import type { Interaction } from '../data/dataset.js'
import { assertInteraction } from './event-codec.js'
import type { EventLog } from './event-log.js'
import { assertPositiveInt, StoreError } from './store-error.js'

export interface RedisEventLogOptions {
  /** Owned by the caller: close() leaves it open. */
  client: Redis
  /** Key namespace; the stream is `${prefix}events`. */
  prefix: string
  /** Entries per XRANGE page in readAll. */
  pageSize?: number
}

/**
 * Event log on a Redis stream, one entry per interaction (fields u, i, t).
 * Durable only as far as Redis persists it: docker-compose runs Redis with `appendonly yes` and
 * `appendfsync always`, so an acknowledged event survives a crash of the Redis host; with the
 * default `everysec` up to ~1 s could be lost, and without appendonly everything since the last
 * snapshot. FileEventLog is the durable default.
 */
export class RedisEventLog implements EventLog {
  readonly #client: Redis
  readonly #key: string
  readonly #pageSize: number

  constructor ({ client, prefix, pageSize = 1000 }: RedisEventLogOptions) {
    assertPositiveInt('pageSize', pageSize)
    this.#client = client
    this.#key = `${prefix}events`
    this.#pageSize = pageSize
  }

  async append (events: readonly Interaction[]): Promise<void> {
    events.forEach(assertInteraction)
    if (events.length === 0) return
    // one MULTI: a batch is logged whole or not at all
    const multi = this.#client.multi()
    for (const { userId, itemId, ts } of events) {
      multi.xadd(this.#key, '*', 'u', userId, 'i', itemId, 't', String(ts))
    }
    const results = await multi.exec()
    const failed = results?.find(([err]) => err !== null)
    if (failed !== undefined) throw failed[0]
  }

  async * readAll (): AsyncIterable<Interaction> {
    // up to the newest entry now: a consistent snapshot even while appends go on
    const newest = await this.#client.xrevrange(this.#key, '+', '-', 'COUNT', 1)
    if (newest.length === 0) return
    const endId = newest[0][0]
    let startId = '-'
    for (;;) {
      const page = await this.#client.xrange(this.#key, startId, endId, 'COUNT', this.#pageSize)
      for (const [id, fields] of page) yield fromFields(id, fields)
      if (page.length < this.#pageSize) return
      startId = nextId(page[page.length - 1][0])
    }
  }

  async close (): Promise<void> {}
}

function fromFields (id: string, fields: string[]): Interaction {
  const record = new Map<string, string>()
  for (let k = 0; k + 1 < fields.length; k += 2) record.set(fields[k], fields[k + 1])
  const userId = record.get('u')
  const itemId = record.get('i')
  const ts = Number(record.get('t'))
  if (userId === undefined || itemId === undefined || !Number.isFinite(ts)) {
    throw new StoreError('EVENT_LOG_CORRUPT', `stream entry ${id} is not an interaction`)
  }
  return { userId, itemId, ts }
}

/** The smallest stream id after `id` (works before Redis 6.2's exclusive '(' ranges). */
function nextId (id: string): string {
  const [ms, seq] = id.split('-')
  return `${ms}-${BigInt(seq) + 1n}`
}
