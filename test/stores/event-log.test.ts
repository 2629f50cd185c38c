import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { FileEventLog } from '../../src/stores/file-event-log.js'
import { MemoryEventLog } from '../../src/stores/memory-event-log.js'
import { RedisEventLog } from '../../src/stores/redis-event-log.js'
import { redisSkipReason, useRedis } from '../helpers/redis.js'
import { eventLogContract, events, readAll, withIds } from './event-log.contract.js'

eventLogContract('MemoryEventLog honours the EventLog contract', () => new MemoryEventLog())

describe('FileEventLog', () => {
  let dir = ''
  let files = 0
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'distillrec-event-log-')) })
  after(async () => { await rm(dir, { recursive: true, force: true }) })
  eventLogContract('honours the EventLog contract', () => new FileEventLog({ path: join(dir, `log-${files++}.jsonl`) }))
})

describe('RedisEventLog', { skip: await redisSkipReason() }, () => {
  const redis = useRedis()
  eventLogContract('honours the EventLog contract', () => new RedisEventLog({ client: redis.client(), prefix: redis.prefix() }))

  it('reads a stream longer than one XRANGE page, in order', async () => {
    const log = new RedisEventLog({ client: redis.client(), prefix: redis.prefix(), pageSize: 4 })
    const all = events(11)
    await log.append(all.slice(0, 5))
    await log.append(all.slice(5))
    assert.deepEqual(await readAll(log), all)
  })

  it('reads back what another instance on the same prefix logged', async () => {
    const prefix = redis.prefix()
    const all = events(3)
    await new RedisEventLog({ client: redis.client(), prefix }).append(all)
    assert.deepEqual(await readAll(new RedisEventLog({ client: redis.client(), prefix })), all)
    assert.equal(await redis.client().xlen(`${prefix}events`), 3)
  })

  it('keeps the eventId in field e and remembers it under <prefix>events:seen:<eventId> for dedupeTtlMs', async () => {
    const prefix = redis.prefix()
    const log = new RedisEventLog({ client: redis.client(), prefix, dedupeTtlMs: 60_000 })
    await log.append(withIds(events(2), ['x', undefined]))
    const entries = await redis.client().xrange(`${prefix}events`, '-', '+')
    assert.deepEqual(entries.map(([, fields]) => fields), [
      ['u', 'u0', 'i', 'i0', 't', String(events(1)[0].ts), 'e', 'x'],
      ['u', 'u1', 'i', 'i7', 't', String(events(2)[1].ts)]
    ])
    const ttl = await redis.client().pttl(`${prefix}events:seen:x`)
    assert.ok(ttl > 59_000 && ttl <= 60_000, `ttl ${ttl}`)
  })

  it('logs an eventId again once it is forgotten, and still reads it back once', async () => {
    const log = new RedisEventLog({ client: redis.client(), prefix: redis.prefix(), dedupeTtlMs: 30 })
    const batch = withIds(events(1), ['x'])
    await log.append(batch)
    await sleep(60)
    assert.deepEqual(await log.append(batch), { added: 1 })
    assert.deepEqual(await readAll(log), batch)
  })
})
