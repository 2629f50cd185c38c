import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { FileEventLog } from '../../src/stores/file-event-log.js'
import { MemoryEventLog } from '../../src/stores/memory-event-log.js'
import { RedisEventLog } from '../../src/stores/redis-event-log.js'
import { redisSkipReason, useRedis } from '../helpers/redis.js'
import { eventLogContract, events, readAll } from './event-log.contract.js'

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
})
