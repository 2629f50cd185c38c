import type { RedisConnection } from './redis-client.js'
import type { Interaction } from '../data/dataset.js'
import { assertInteraction } from './event-codec.js'
import type { AppendResult, EventLog } from './event-log.js'
import { keysFor, type RedisKeys } from './redis-keys.js'
import { RedisScript } from './redis-script.js'
import { oncePerEventId } from './seen-ids.js'
import { assertPositiveInt, StoreError } from './store-error.js'

// KEYS[1]: the stream; KEYS[2..]: the seen key of each event that has an id, in batch order.
// ARGV[1]: how long a seen key lives (ms); ARGV[2]: '1' = restart the TTL of a seen key that is
// there already; then userId, itemId, ts, eventId ('' = none) per event.
// A seen key is set only after its entry is added, so an error part-way leaves no id marked
// seen whose event is missing. Restarting a copy's TTL is a write: a WAIT behind a batch of copies
// then waits for the replication of everything before it, the first attempt's entries included
// (that attempt may have come through another connection).
const APPEND = new RedisScript(`
local added = 0
local k = 1
for a = 3, #ARGV, 4 do
  local e = ARGV[a + 3]
  if e == '' then
    redis.call('XADD', KEYS[1], '*', 'u', ARGV[a], 'i', ARGV[a + 1], 't', ARGV[a + 2])
    added = added + 1
  else
    k = k + 1
    if redis.call('EXISTS', KEYS[k]) == 0 then
      redis.call('XADD', KEYS[1], '*', 'u', ARGV[a], 'i', ARGV[a + 1], 't', ARGV[a + 2], 'e', e)
      redis.call('SET', KEYS[k], '1', 'PX', ARGV[1])
      added = added + 1
    elseif ARGV[2] == '1' then
      redis.call('PEXPIRE', KEYS[k], ARGV[1])
    end
  end
end
return added`)

/** Seven days: how long a logged eventId is recognised when it comes again. */
const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 3600 * 1000

export interface RedisEventLogOptions {
  /** Owned by the caller: close() leaves it open. */
  client: RedisConnection
  /**
   * Key namespace; the stream is `${prefix}events`, a logged eventId `${prefix}events:seen:${eventId}`
   * (on a cluster `{events}` in both, so one script adds the entry and its seen key: redis-keys.ts).
   */
  prefix: string
  /** Entries per XRANGE page in readAll. */
  pageSize?: number
  /** How long a logged eventId is remembered, so a copy is refused (default 7 days). */
  dedupeTtlMs?: number
  /**
   * An append resolves only once this many replicas have it (Redis WAIT); default 0 = once the
   * primary has it. Too few within ackTimeoutMs: EVENT_NOT_REPLICATED (the events may be logged).
   */
  minReplicas?: number
  /** How long WAIT waits for minReplicas (ms; default 250). */
  ackTimeoutMs?: number
}

/**
 * Event log on a Redis stream, one entry per interaction (fields u, i, t, and e: the eventId).
 * One script appends a batch: whole, atomically, and each eventId once (a copy within
 * dedupeTtlMs of the first is not added, so a retry after a timeout whose write did land adds
 * nothing).
 * Durable only as far as Redis persists it: docker-compose runs Redis with `appendonly yes` and
 * `appendfsync always`, so an acknowledged event survives a crash of the Redis host; with the
 * default `everysec` up to ~1 s could be lost, and without appendonly everything since the last
 * snapshot. FileEventLog is the durable default.
 */
export class RedisEventLog implements EventLog {
  readonly #client: RedisConnection
  readonly #key: string
  readonly #keys: RedisKeys
  readonly #pageSize: number
  readonly #dedupeTtlMs: number
  readonly #minReplicas: number
  readonly #ackTimeoutMs: number

  constructor ({ client, prefix, pageSize = 1000, dedupeTtlMs = DEFAULT_DEDUPE_TTL_MS, minReplicas = 0, ackTimeoutMs = 250 }: RedisEventLogOptions) {
    assertPositiveInt('pageSize', pageSize)
    assertPositiveInt('dedupeTtlMs', dedupeTtlMs)
    assertPositiveInt('ackTimeoutMs', ackTimeoutMs)
    if (!Number.isInteger(minReplicas) || minReplicas < 0) throw new StoreError('STORE_INVALID_OPTION', `minReplicas must be a non-negative integer, got ${minReplicas}`)
    this.#minReplicas = minReplicas
    this.#ackTimeoutMs = ackTimeoutMs
    this.#client = client
    this.#keys = keysFor(client, prefix)
    this.#key = this.#keys.events
    this.#pageSize = pageSize
    this.#dedupeTtlMs = dedupeTtlMs
  }

  async append (events: readonly Interaction[]): Promise<AppendResult> {
    events.forEach(assertInteraction)
    if (events.length === 0) return { added: 0 }
    const keys = [this.#key]
    const args: string[] = [String(this.#dedupeTtlMs), this.#minReplicas > 0 ? '1' : '0']
    for (const { userId, itemId, ts, eventId } of events) {
      if (eventId !== undefined) keys.push(this.#keys.eventSeen(eventId))
      args.push(userId, itemId, String(ts), eventId ?? '')
    }
    if (this.#minReplicas === 0) return { added: Number(await APPEND.run(this.#client, keys, args)) }
    const { result, replicas } = await APPEND.runReplicated(this.#client, keys, args, this.#minReplicas, this.#ackTimeoutMs)
    if (replicas < this.#minReplicas) {
      throw new StoreError('EVENT_NOT_REPLICATED', `${replicas} of ${this.#minReplicas} replicas had the events within ${this.#ackTimeoutMs} ms: they are on the primary, and may be lost if it fails now`)
    }
    return { added: Number(result) }
  }

  readAll (): AsyncIterable<Interaction> {
    return oncePerEventId(this.#readAll())
  }

  async * #readAll (): AsyncIterable<Interaction> {
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
  const eventId = record.get('e')
  if (userId === undefined || itemId === undefined || !Number.isFinite(ts)) {
    throw new StoreError('EVENT_LOG_CORRUPT', `stream entry ${id} is not an interaction`)
  }
  return eventId === undefined || eventId === '' ? { userId, itemId, ts } : { userId, itemId, ts, eventId }
}

/** The smallest stream id after `id` (works before Redis 6.2's exclusive '(' ranges). */
function nextId (id: string): string {
  const [ms, seq] = id.split('-')
  return `${ms}-${BigInt(seq) + 1n}`
}
