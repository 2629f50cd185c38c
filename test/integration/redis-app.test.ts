import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import type { Interaction } from '../../src/data/dataset.js'
import { build, type Built } from '../helper.js'
import { cleanupPrefix, redisServerSkipReason, redisSkipReason, redisUrl, startRedisServer, uniquePrefix } from '../helpers/redis.js'

type Ready = { status: string, redis: string }

async function until (what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const readyState = async ({ app }: Built): Promise<Ready> => (await app.inject({ url: '/health/ready' })).json<Ready>()

describe('the service on a real Redis', { skip: await redisSkipReason() }, () => {
  it('keeps history and the event stream in Redis, across a restart, under its own prefix', async (t) => {
    const prefix = uniquePrefix()
    const admin = new Redis(redisUrl())
    t.after(async () => { await cleanupPrefix(admin, prefix); await admin.quit() })
    const env = { REDIS_URL: redisUrl(), REDIS_PREFIX: prefix, EVENT_LOG: 'redis' }

    const first = await build(t, env)
    await until('redis up', async () => (await readyState(first)).redis === 'up')
    const top = (await first.app.inject({ url: '/recommend?userId=x&k=1' })).json<{ items: Array<{ itemId: string }> }>().items[0].itemId
    const ack = await first.app.inject({ method: 'POST', url: '/events', payload: { userId: 'x', itemId: top, ts: 5 } })
    assert.equal(ack.statusCode, 202)
    await first.app.close()
    await first.services.close()

    const second = await build(t, env)
    await until('redis up', async () => (await readyState(second)).redis === 'up')
    const after = (await second.app.inject({ url: '/recommend?userId=x&k=3' })).json<{ items: Array<{ itemId: string }> }>()
    assert.ok(!after.items.some(i => i.itemId === top), 'the event recorded before the restart is still excluded')
    const logged: Interaction[] = []
    for await (const event of second.services.eventLog.readAll()) logged.push(event)
    assert.deepEqual(logged, [{ userId: 'x', itemId: top, ts: 5 }])
    assert.ok((await admin.keys(`${prefix}*`)).length > 0, 'keys carry the prefix')
    const hits = (await second.services.metrics.cacheRequests.get()).values
    assert.ok(hits.length > 0)
  })
})

describe('Redis going away mid-run', { skip: redisServerSkipReason() }, () => {
  it('answers every request from memory while Redis is down and reconnects by itself', async (t) => {
    const server = await startRedisServer()
    t.after(() => server.kill())
    const built = await build(t, { REDIS_URL: server.url, REDIS_PREFIX: uniquePrefix() })
    const { app, services } = built
    await until('redis up', async () => (await readyState(built)).redis === 'up')
    assert.equal((await app.inject({ url: '/recommend?userId=a' })).statusCode, 200)

    await server.kill()
    await until('redis down', async () => (await readyState(built)).redis === 'down')
    assert.deepEqual(await readyState(built), { status: 'degraded', redis: 'down', model: { version: 0, kind: 'popular' }, backend: 'wasm' })
    const started = Date.now()
    for (let i = 0; i < 5; i++) {
      const rec = await app.inject({ url: `/recommend?userId=b${i}` })
      assert.equal(rec.statusCode, 200)
    }
    const ack = await app.inject({ method: 'POST', url: '/events', payload: { userId: 'b0', itemId: 'i1' } })
    assert.equal(ack.statusCode, 202, 'the file event log does not need Redis')
    assert.deepEqual(await services.history.recent('b0', 5), ['i1'], 'history falls back to memory')
    assert.ok(Date.now() - started < 5000, 'no request hangs on the dead connection')
    const errors = (await services.metrics.storeErrors.get()).values.reduce((sum, v) => sum + v.value, 0)
    assert.ok(errors > 0, 'store errors are counted')
    const cacheErrors = (await services.metrics.cacheRequests.get()).values.find(v => v.labels.result === 'error')
    assert.ok((cacheErrors?.value ?? 0) > 0, 'cache errors are counted')
    const metrics = (await app.inject({ url: '/metrics' })).body
    assert.match(metrics, /distillrec_redis_up 0/)

    const revived = await startRedisServer({ port: server.port })
    t.after(() => revived.kill())
    await until('redis back up', async () => (await readyState(built)).redis === 'up', 15_000)
    await services.history.append('c', ['i2'])
    const direct = new Redis(server.url)
    t.after(() => direct.quit())
    assert.ok((await direct.dbsize()) > 0, 'writes reach Redis again')
  })
})
