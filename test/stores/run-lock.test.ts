import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryRunLock } from '../../src/stores/memory-run-lock.js'
import { closeRedis, createRedisClient, waitForRedis } from '../../src/stores/redis-client.js'
import { RedisRunLock } from '../../src/stores/redis-run-lock.js'
import { redisSkipReason, redisUrl, useRedis } from '../helpers/redis.js'
import { runLockContract } from './run-lock.contract.js'

describe('MemoryRunLock', () => {
  // one process: every view is the same instance
  runLockContract('honours the RunLock contract', () => {
    const lock = new MemoryRunLock()
    return () => lock
  })

  it('expires on its injected clock, at exactly acquire time + TTL', async () => {
    let now = 1_000
    const lock = new MemoryRunLock(() => now)
    assert.equal(await lock.acquire('job-1', 100), true)
    now = 1_099
    assert.equal(await lock.holder(), 'job-1')
    assert.equal(await lock.renew('job-1', 100), true)
    now = 1_198
    assert.equal(await lock.holder(), 'job-1', 'renewed at 1099 for 100 ms')
    now = 1_199
    assert.equal(await lock.holder(), null)
    assert.equal(await lock.renew('job-1', 100), false)
    assert.equal(await lock.acquire('job-2', 100), true)
    assert.equal(await lock.holder(), 'job-2')
  })
})

describe('RedisRunLock', { skip: await redisSkipReason() }, () => {
  const redis = useRedis()

  // every view has a connection of its own, as separate replicas would
  runLockContract('honours the RunLock contract', () => {
    const prefix = redis.prefix()
    return async () => {
      const client = createRedisClient(redisUrl())
      await waitForRedis(client, 2000)
      const lock = new RedisRunLock({ client, prefix })
      const close = lock.close.bind(lock)
      lock.close = async () => { await close(); await closeRedis(client) }
      return lock
    }
  })

  it('keeps the owner under <prefix>worker:lock with the TTL, renewed from now, deleted on release', async () => {
    const prefix = redis.prefix()
    const client = redis.client()
    const lock = new RedisRunLock({ client, prefix })
    assert.equal(await lock.acquire('job-1', 60_000), true)
    assert.deepEqual(await client.keys(`${prefix}*`), [`${prefix}worker:lock`])
    assert.equal(await client.get(`${prefix}worker:lock`), 'job-1')
    const ttl = await client.pttl(`${prefix}worker:lock`)
    assert.ok(ttl > 59_000 && ttl <= 60_000, `pttl ${ttl}`)
    assert.equal(await lock.renew('job-1', 120_000), true)
    const renewed = await client.pttl(`${prefix}worker:lock`)
    assert.ok(renewed > 119_000 && renewed <= 120_000, `pttl after renew ${renewed}`)
    assert.equal(await lock.renew('job-2', 1), false)
    assert.ok(await client.pttl(`${prefix}worker:lock`) > 119_000, 'a refused renewal leaves the TTL alone')
    await lock.release('job-1')
    assert.deepEqual(await client.keys(`${prefix}*`), [])
    await lock.close()
  })

  it('leaves the client open on close (the caller owns it)', async () => {
    const lock = new RedisRunLock({ client: redis.client(), prefix: redis.prefix() })
    await lock.close()
    assert.equal(await redis.client().ping(), 'PONG')
  })

  it('keeps locks under different prefixes apart', async () => {
    const a = new RedisRunLock({ client: redis.client(), prefix: redis.prefix() })
    const b = new RedisRunLock({ client: redis.client(), prefix: redis.prefix() })
    assert.equal(await a.acquire('job-1', 5000), true)
    assert.equal(await b.acquire('job-2', 5000), true)
    assert.equal(await a.holder(), 'job-1')
    assert.equal(await b.holder(), 'job-2')
  })
})
