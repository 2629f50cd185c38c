import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import type { Interaction } from '../../src/data/dataset.js'
import { main as importData } from '../../src/cli/import.js'
import { generateSynthetic } from '../../src/data/synthetic.js'
import { listVersions } from '../../src/models/artifact/index.js'
import { build, buildWithStudent, type Built } from '../helper.js'
import { cleanupPrefix, redisServerSkipReason, redisSkipReason, redisUrl, startRedisServer, uniquePrefix } from '../helpers/redis.js'

type Ready = { status: string, redis: string }

/** An event time as POST /events takes it: milliseconds since the epoch. */
const TS = 1_732_870_000_000

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
    const ack = await first.app.inject({ method: 'POST', url: '/events', payload: { userId: 'x', itemId: top, ts: TS } })
    assert.equal(ack.statusCode, 202)
    await first.app.close()
    await first.services.close()

    const second = await build(t, env)
    await until('redis up', async () => (await readyState(second)).redis === 'up')
    const after = (await second.app.inject({ url: '/recommend?userId=x&k=3' })).json<{ items: Array<{ itemId: string }> }>()
    assert.ok(!after.items.some(i => i.itemId === top), 'the event recorded before the restart is still excluded')
    const logged: Interaction[] = []
    // the event itself; an eventId the log may add is the event log's own business
    for await (const { userId, itemId, ts } of second.services.eventLog.readAll()) logged.push({ userId, itemId, ts })
    assert.deepEqual(logged, [{ userId: 'x', itemId: top, ts: TS }])
    assert.ok((await admin.keys(`${prefix}*`)).length > 0, 'keys carry the prefix')
  })
})

describe('replicas sharing one Redis', { skip: await redisSkipReason() }, () => {
  it('serves, from an empty models directory, the student another replica published to Redis', async (t) => {
    const prefix = uniquePrefix()
    const admin = new Redis(redisUrl())
    t.after(async () => { await cleanupPrefix(admin, prefix); await admin.quit() })
    const env = { REDIS_URL: redisUrl(), REDIS_PREFIX: prefix }
    const first = await buildWithStudent(t, env)
    assert.deepEqual(await admin.zrange(`${prefix}model:student:versions`, 0, -1), [String(first.version)])

    const replica = await build(t, env)
    assert.equal(listVersions(replica.config.modelsDir, 'student').length, 0, 'the replica has no version on disk')
    const payload = { history: ['i3', 'i8', 'i13'], k: 10 }
    const fromReplica = (await replica.app.inject({ method: 'POST', url: '/recommend', payload })).json()
    const fromFirst = (await first.app.inject({ method: 'POST', url: '/recommend', payload })).json()
    assert.equal(fromReplica.source, 'student')
    assert.equal(fromReplica.modelVersion, first.version)
    // every answer has its own recommendationId
    assert.deepEqual({ ...fromReplica, recommendationId: '' }, { ...fromFirst, recommendationId: '' })
  })

  it('refuses a corrupt copy in Redis and serves popularity rather than bad weights', async (t) => {
    const prefix = uniquePrefix()
    const admin = new Redis(redisUrl())
    t.after(async () => { await cleanupPrefix(admin, prefix); await admin.quit() })
    const env = { REDIS_URL: redisUrl(), REDIS_PREFIX: prefix }
    const first = await buildWithStudent(t, env)
    // the weights of a small model are one chunk (redis-model-store.ts)
    const { upload } = JSON.parse(await admin.get(`${prefix}model:student:v${first.version}:manifest`) ?? '{}') as { upload: string }
    assert.equal(await admin.set(`${prefix}model:student:v${first.version}:${upload}:weights.bin:0`, Buffer.alloc(8), 'XX'), 'OK')
    const replica = await build(t, env)
    assert.deepEqual((await replica.app.inject({ url: '/health/ready' })).json().model, { version: 0, kind: 'popular' })
  })
})

describe('a replica without the dataset (DATA_PATH=none)', { skip: await redisSkipReason() }, () => {
  it('serves from the histories and item counts npm run import seeded, as a replica with the dataset does', async (t) => {
    const prefix = uniquePrefix()
    const admin = new Redis(redisUrl())
    const dir = await mkdtemp(join(tmpdir(), 'distillrec-import-'))
    t.after(async () => { await cleanupPrefix(admin, prefix); await admin.quit(); await rm(dir, { recursive: true, force: true }) })
    const file = join(dir, 'interactions.jsonl')
    await writeFile(file, generateSynthetic({ seed: 7 }).map((e) => JSON.stringify(e)).join('\n') + '\n')
    await importData(['--data', file, '--redis-url', redisUrl(), '--prefix', prefix], () => {})

    const withData = await buildWithStudent(t, { REDIS_URL: redisUrl(), REDIS_PREFIX: prefix })
    const dataless = await build(t, { REDIS_URL: redisUrl(), REDIS_PREFIX: prefix, DATA_PATH: 'none' })
    for (const url of ['/recommend?userId=u3&k=10', '/recommend?userId=u40&k=10', '/recommend?userId=nobody&k=10']) {
      const a = (await withData.app.inject({ url })).json()
      const b = (await dataless.app.inject({ url })).json()
      assert.deepEqual({ ...b, recommendationId: '' }, { ...a, recommendationId: '' }, url)
    }
    assert.equal((await dataless.app.inject({ url: '/recommend?userId=u3' })).json().source, 'student')
  })
})

describe('Redis going away mid-run', { skip: redisServerSkipReason() }, () => {
  it('answers every request from memory while Redis is down and reconnects by itself', async (t) => {
    const server = await startRedisServer()
    t.after(() => server.kill())
    const built = await buildWithStudent(t, { REDIS_URL: server.url, REDIS_PREFIX: uniquePrefix() })
    const { app, services, version } = built
    await until('redis up', async () => (await readyState(built)).redis === 'up')
    const before = await app.inject({ url: '/recommend?userId=u1' })
    assert.equal(before.json().source, 'student')
    // its impression is written after the answer: let it land before Redis goes
    await services.online.tasks.idle()

    await server.kill()
    await until('redis down', async () => (await readyState(built)).redis === 'down')
    assert.deepEqual(await readyState(built), { status: 'degraded', redis: 'down', model: { version, kind: 'student' }, backend: 'wasm' })
    const started = Date.now()
    // k=9, not the k of before: the same request would be answered by this replica's answer cache, which needs no Redis
    const during = await app.inject({ url: '/recommend?userId=u1&k=9' })
    assert.equal(during.statusCode, 200)
    assert.deepEqual(during.json().items, before.json().items.slice(0, 9), 'the same ranking, computed without Redis')
    for (let i = 0; i < 5; i++) {
      const rec = await app.inject({ url: `/recommend?userId=b${i}` })
      assert.equal(rec.statusCode, 200)
    }
    const ack = await app.inject({ method: 'POST', url: '/events', payload: { userId: 'b0', itemId: 'i1' } })
    assert.equal(ack.statusCode, 202, 'the file event log does not need Redis')
    assert.deepEqual(await services.history.recent('b0', 5), ['i1'], 'history falls back to memory')
    assert.ok(Date.now() - started < 5000, 'no request hangs on the dead connection')
    const failed = (await services.metrics.storeErrors.get()).values
    const errors = failed.reduce((sum, v) => sum + v.value, 0)
    assert.equal(errors, 0, `with the breaker open nothing is sent to Redis, so nothing fails: ${JSON.stringify(failed)}`)
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
