import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { LightMyRequestResponse } from 'fastify'
import type { Redis } from 'ioredis'
import { closeRedis, createRedisClient, waitForRedis } from '../../src/stores/redis-client.js'
import { build, type Built } from '../helper.js'
import { redisServerSkipReason, startRedisServer, uniquePrefix, type RedisServer } from '../helpers/redis.js'

const USER = 'stalled-user'
const BATCH = Array.from({ length: 20 }, (_, k) => ({ userId: USER, itemId: `i${k}`, eventId: `evt-${k}` }))

interface Setup { server: RedisServer, built: Built, admin: Redis, prefix: string }

/** Its own redis-server (it is stopped with SIGSTOP), the app on it with EVENT_LOG=redis, and a client to look inside. */
async function setup (t: TestContext): Promise<Setup> {
  const server = await startRedisServer()
  const prefix = uniquePrefix()
  let built: Built
  try {
    built = await build(t, { REDIS_URL: server.url, REDIS_PREFIX: prefix, EVENT_LOG: 'redis' })
  } catch (err) {
    await server.kill()
    throw err
  }
  const admin = createRedisClient(server.url)
  // after hooks run in the order added: the app closes while its Redis still answers
  t.after(async () => {
    await closeRedis(admin)
    await server.kill()
  })
  assert.ok(await waitForRedis(admin, 2000))
  await until('redis up', async () => (await built.app.inject({ url: '/health/ready' })).json<{ redis: string }>().redis === 'up')
  // a running service has loaded its scripts: the stalled command is then the append itself
  assert.equal((await post(built, { userId: 'warm-up', itemId: 'i0', eventId: 'warm-up' })).statusCode, 202)
  return { server, built, admin, prefix }
}

async function post ({ app }: Built, payload: unknown): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'POST', url: '/events', payload: payload as object })
}

async function until (what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** Sends the batch again until it is acknowledged, as a client honouring Retry-After would (faster). */
async function retryUntilAccepted (built: Built): Promise<number> {
  let attempts = 0
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    attempts++
    const res = await post(built, BATCH)
    if (res.statusCode === 202) return attempts
    assert.equal(res.statusCode, 503, res.body)
    await sleep(100)
  }
  throw new Error(`not accepted after ${attempts} attempts`)
}

/** The eventIds in the stream, in order (the warm-up event left out). */
async function streamIds ({ admin, prefix }: Setup): Promise<string[]> {
  const entries = await admin.xrange(`${prefix}events`, '-', '+')
  return entries.map(([, fields]) => fields[fields.indexOf('e') + 1]).filter((id) => id !== 'id:warm-up')
}

describe('POST /events while Redis stalls (EVENT_LOG=redis)', { skip: redisServerSkipReason() }, () => {
  it('answers 503 "may or may not have been recorded", and retries with the same eventIds record each event once in the stream and the history', async (t) => {
    const env = await setup(t)
    const { server, built, admin, prefix } = env

    server.signal('SIGSTOP')
    let first: LightMyRequestResponse
    let firstMs: number
    try {
      const started = performance.now()
      first = await post(built, BATCH)
      firstMs = performance.now() - started
      await sleep(500)
    } finally {
      server.signal('SIGCONT')
    }

    assert.ok([202, 503].includes(first.statusCode), `first attempt: ${first.statusCode} ${first.body}`)
    if (first.statusCode === 503) {
      assert.equal(first.headers['retry-after'], '1')
      const body = first.json<{ code: string, message: string }>()
      assert.equal(body.code, 'EVENTS_UNAVAILABLE')
      assert.match(body.message, /may or may not have been recorded/)
      assert.doesNotMatch(body.message, /nothing was recorded/)
    }
    // the breaker answers at once and sends nothing; a command timeout means the write is in Redis's socket
    if (first.statusCode === 503 && firstMs >= 400) {
      await until('the stalled write to land', async () => (await streamIds(env)).length === BATCH.length, 3000)
      assert.deepEqual(await admin.lrange(`${prefix}hist:u:${USER}`, 0, -1), [], 'the stalled attempt never reached the history')
      t.diagnostic(`the 503 (after ${firstMs.toFixed(0)} ms) did record: the outcome was unknown`)
    } else {
      t.diagnostic(`first attempt ${first.statusCode} after ${firstMs.toFixed(0)} ms`)
    }

    const attempts = await retryUntilAccepted(built)
    t.diagnostic(`accepted after ${attempts} retries`)

    assert.deepEqual(await streamIds(env), BATCH.map((e) => `id:${e.eventId}`), 'each event exactly once in the stream')
    const items = BATCH.map((e) => e.itemId)
    assert.deepEqual(await admin.lrange(`${prefix}hist:u:${USER}`, 0, -1), items, 'each item exactly once in the Redis history')
    assert.deepEqual(await built.services.history.recent(USER, 100), items)
    const logged: string[] = []
    for await (const event of built.services.eventLog.readAll()) if (event.userId === USER) logged.push(event.itemId)
    assert.deepEqual(logged, items, 'training data reads each event once')
  })

  it('leaves stream and history as they were when the client sends the batch again after a 202 it did not receive', async (t) => {
    const env = await setup(t)
    assert.equal((await post(env.built, BATCH)).statusCode, 202)
    assert.equal((await post(env.built, BATCH)).statusCode, 202)
    assert.deepEqual(await streamIds(env), BATCH.map((e) => `id:${e.eventId}`))
    assert.deepEqual(await env.admin.lrange(`${env.prefix}hist:u:${USER}`, 0, -1), BATCH.map((e) => e.itemId))
  })
})
