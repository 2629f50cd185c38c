import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryJobStore } from '../../src/stores/memory-job-store.js'
import { closeRedis, createRedisClient, waitForRedis } from '../../src/stores/redis-client.js'
import { RedisJobStore } from '../../src/stores/redis-job-store.js'
import { newJob } from '../../src/stores/job.js'
import { redisSkipReason, redisUrl, useRedis } from '../helpers/redis.js'
import { jobStoreContract } from './job-store.contract.js'

const WEEK_SECONDS = 7 * 24 * 3600

describe('MemoryJobStore', () => {
  // one process: every view is the same instance
  jobStoreContract('honours the JobStore contract', () => {
    const store = new MemoryJobStore()
    return () => store
  })
})

describe('RedisJobStore', { skip: await redisSkipReason() }, () => {
  const redis = useRedis()

  // every view has a connection of its own, as separate replicas would
  jobStoreContract('honours the JobStore contract', () => {
    const prefix = redis.prefix()
    return async () => {
      const client = createRedisClient(redisUrl())
      await waitForRedis(client, 2000)
      const store = new RedisJobStore({ client, prefix })
      const close = store.close.bind(store)
      store.close = async () => { await close(); await closeRedis(client) }
      return store
    }
  })

  it('keeps every key under the prefix: job:<id>, job:<id>:cancel, jobs, jobs:queue', async () => {
    const prefix = redis.prefix()
    const client = redis.client()
    const store = new RedisJobStore({ client, prefix })
    const job = newJob({ trigger: 'schedule' })
    await store.put(job)
    await store.enqueue(job.id)
    await store.requestCancel(job.id)
    assert.deepEqual((await client.keys(`${prefix}*`)).sort(), [
      `${prefix}job:${job.id}`,
      `${prefix}job:${job.id}:cancel`,
      `${prefix}jobs`,
      `${prefix}jobs:queue`
    ].sort())
    assert.deepEqual(JSON.parse(await client.get(`${prefix}job:${job.id}`) ?? 'null'), job)
    assert.deepEqual(await client.zrange(`${prefix}jobs`, 0, -1, 'WITHSCORES'), [job.id, String(Date.parse(job.createdAt))])
    assert.deepEqual(await client.lrange(`${prefix}jobs:queue`, 0, -1), [job.id])
    await store.close()
  })

  it('gives a job record and its cancel flag a TTL (a week), renewed by every put', async () => {
    const prefix = redis.prefix()
    const client = redis.client()
    const store = new RedisJobStore({ client, prefix })
    const job = newJob({ trigger: 'admin' })
    await store.put(job)
    await store.requestCancel(job.id)
    for (const key of [`${prefix}job:${job.id}`, `${prefix}job:${job.id}:cancel`]) {
      const ttl = await client.ttl(key)
      assert.ok(ttl > 0 && ttl <= WEEK_SECONDS && ttl > WEEK_SECONDS - 60, `${key}: ttl ${ttl}`)
    }
    await client.expire(`${prefix}job:${job.id}`, 100)
    await store.put({ ...job, state: 'running' })
    assert.ok(await client.ttl(`${prefix}job:${job.id}`) > WEEK_SECONDS - 60, 'a progress write renews the TTL')
    await store.close()
  })

  it('skips a listed job whose record expired', async () => {
    const prefix = redis.prefix()
    const client = redis.client()
    const store = new RedisJobStore({ client, prefix })
    const older = newJob({ trigger: 'admin' }, new Date(Date.UTC(2025, 0, 1)))
    const newer = newJob({ trigger: 'admin' }, new Date(Date.UTC(2025, 0, 2)))
    await store.put(older)
    await store.put(newer)
    await client.del(`${prefix}job:${older.id}`)
    assert.deepEqual(await store.list(10), [newer])
    assert.equal(await store.get(older.id), null)
    await store.close()
  })

  it('keeps stores under different prefixes apart', async () => {
    const a = new RedisJobStore({ client: redis.client(), prefix: redis.prefix() })
    const b = new RedisJobStore({ client: redis.client(), prefix: redis.prefix() })
    const job = newJob({ trigger: 'admin' })
    await a.put(job)
    await a.enqueue(job.id)
    await a.requestCancel(job.id)
    assert.equal(await b.get(job.id), null)
    assert.deepEqual(await b.list(10), [])
    assert.equal(await b.dequeue(), null)
    assert.equal(await b.cancelRequested(job.id), false)
    assert.equal(await a.dequeue(), job.id)
  })

  it('leaves the client open on close (the caller owns it)', async () => {
    const store = new RedisJobStore({ client: redis.client(), prefix: redis.prefix() })
    await store.close()
    assert.equal(await redis.client().ping(), 'PONG')
  })
})
