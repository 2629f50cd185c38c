import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import { FallbackHistoryStore, type StoreOp } from '../../src/stores/fallback-history-store.js'
import { MemoryHistoryStore } from '../../src/stores/memory-history-store.js'
import { closeRedis, createRedisClient, waitForRedis } from '../../src/stores/redis-client.js'
import { RedisHistoryStore } from '../../src/stores/redis-history-store.js'
import { startTcpProxy } from './fixtures/tcp-proxy.js'
import { redisServerSkipReason, startRedisServer, uniquePrefix, type RedisServer } from '../helpers/redis.js'

/** No store call may keep a request waiting longer than this while Redis is gone or stalled. */
const BOUND_MS = 1000

async function timed<T> (call: Promise<T>): Promise<T> {
  const started = performance.now()
  const result = await call
  const ms = performance.now() - started
  assert.ok(ms < BOUND_MS, `call took ${ms.toFixed(0)} ms`)
  return result
}

async function until (condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`condition not met within ${timeoutMs} ms`)
    await sleep(20)
  }
}

describe('stores through a Redis outage', { skip: redisServerSkipReason() }, () => {
  let server: RedisServer
  let client: Redis
  const statuses: boolean[] = []
  const errors: StoreOp[] = []
  let redisHistory: RedisHistoryStore
  let history: FallbackHistoryStore

  before(async () => {
    server = await startRedisServer()
    client = createRedisClient(server.url, { onStatus: (up) => statuses.push(up), maxRetryDelayMs: 100 })
    assert.equal(await waitForRedis(client, 2000), true)
    const onError = (_err: unknown, op: StoreOp): void => { errors.push(op) }
    const prefix = uniquePrefix()
    redisHistory = new RedisHistoryStore({ client, prefix, maxPerUser: 5 })
    history = new FallbackHistoryStore(redisHistory, new MemoryHistoryStore({ maxPerUser: 5 }), { onError })
  })

  after(async () => {
    await closeRedis(client)
    await server.kill()
  })

  it('serves from Redis while it is up, reporting nothing', async () => {
    await history.append('u', ['a', 'b'])
    assert.deepEqual(await redisHistory.recent('u', 5), ['a', 'b'])
    assert.deepEqual(errors, [])
    assert.deepEqual(statuses, [true])
  })

  it('answers from memory within the command timeout while the server is stalled', async () => {
    server.signal('SIGSTOP')
    try {
      assert.deepEqual(await timed(history.recent('u', 5)), ['a', 'b'])
      assert.deepEqual(errors, ['recent'])
    } finally {
      server.signal('SIGCONT')
    }
    assert.deepEqual(await redisHistory.recent('u', 5), ['a', 'b'])
    errors.length = 0
  })

  it('keeps answering, fast and from memory, once the server is killed', async () => {
    await server.kill()
    await timed(history.append('u', ['c']))
    assert.deepEqual(await timed(history.recent('u', 5)), ['a', 'b', 'c'])
    assert.deepEqual(errors, ['append', 'recent'])
    await until(() => statuses.at(-1) === false, 1000)
  })

  it('reconnects by itself when the server is back on the same port, and serves from Redis again', async () => {
    server = await startRedisServer({ port: server.port })
    await until(() => statuses.at(-1) === true, 3000)
    assert.deepEqual(statuses, [true, false, true])
    errors.length = 0
    // the new server starts empty: what history returns now comes from Redis, not from memory
    assert.deepEqual(await history.recent('u', 5), [])
    await history.append('u', ['d'])
    assert.deepEqual(await history.recent('u', 5), ['d'])
    assert.deepEqual(errors, [])
  })
})

describe('a Redis client after a broken connection', { skip: redisServerSkipReason() }, () => {
  it('does not replay a write whose caller was already told it failed', async (t) => {
    const server = await startRedisServer()
    const proxy = await startTcpProxy(server.port)
    const statuses: boolean[] = []
    const client = createRedisClient(`redis://127.0.0.1:${proxy.port}`, { onStatus: (up) => statuses.push(up) })
    t.after(async () => {
      await closeRedis(client)
      await proxy.close()
      await server.kill()
    })
    assert.equal(await waitForRedis(client, 2000), true)
    const store = new RedisHistoryStore({ client, prefix: uniquePrefix(), maxPerUser: 5 })

    proxy.blackhole()
    await assert.rejects(timed(store.append('u', ['lost'])), /timed out/)
    proxy.sever()
    await until(() => statuses.length === 3, 2000)
    assert.deepEqual(statuses, [true, false, true])
    assert.deepEqual(await store.recent('u', 5), [])
  })
})
