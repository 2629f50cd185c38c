import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import type { Redis } from 'ioredis'
import { closeRedis, createRedisClient, waitForRedis } from '../../src/stores/redis-client.js'
import { buildWithStudent, type Built } from '../helper.js'
import { cleanupPrefix, redisSkipReason, redisUrl, uniquePrefix } from '../helpers/redis.js'

const TOKEN = 'key-bounds-admin-token'
const AUTH = { authorization: `Bearer ${TOKEN}` }
const HOUR_MS = 3_600_000
/** The families README's "Redis keys" table lists as bounded without a TTL, and by what. */
const BOUNDED_WITHOUT_TTL = [
  'events', // the durable event log (EVENT_LOG=redis): training data, kept like the file log
  'imp:log', // the impression stream, capped at IMPRESSION_LOG_CAP
  'jobs', // trimmed to JOBS_KEPT ids
  'jobs:queue', // trimmed to JOBS_KEPT ids
  'model:student:active', // one number
  'model:student:v<N>:<upload>:<file>:<chunk>', // a kept version's files in 8 MiB chunks (KEEP_VERSIONS retention)
  'model:student:v<N>:manifest', // one per kept version
  'model:student:versions' // one member per kept version
]

interface Setup { built: Built & { version: number }, admin: Redis, prefix: string }

async function setup (t: TestContext): Promise<Setup> {
  const prefix = uniquePrefix()
  const admin = createRedisClient(redisUrl())
  t.after(async () => {
    await cleanupPrefix(admin, prefix)
    await closeRedis(admin)
  })
  assert.ok(await waitForRedis(admin, 2000))
  const built = await buildWithStudent(t, {
    REDIS_URL: redisUrl(), REDIS_PREFIX: prefix, EVENT_LOG: 'redis', HISTORY_TTL: '1h', ADMIN_TOKEN: TOKEN, WORKER: 'off'
  })
  const deadline = Date.now() + 5000
  while ((await built.app.inject({ url: '/health/ready' })).json<{ redis: string }>().redis !== 'up') {
    if (Date.now() > deadline) throw new Error('redis not up within 5 s')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { built, admin, prefix }
}

async function postEvents ({ app }: Built, events: object[]): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/events', payload: events })
  assert.equal(res.statusCode, 202, res.body)
}

/** Every key under prefix (prefix removed) with its PTTL: -1 = no expiry. */
async function keyTtls (admin: Redis, prefix: string): Promise<Map<string, number>> {
  const ttls = new Map<string, number>()
  let cursor = '0'
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    cursor = next
    for (const key of keys) ttls.set(key.slice(prefix.length), await admin.pttl(key))
  } while (cursor !== '0')
  return ttls
}

/** A key's family: its name with the ids and versions in it replaced by placeholders. */
function family (key: string): string {
  return key
    .replace(/^hist:u:.*/, 'hist:u:<userId>')
    .replace(/^(hist|events):seen:.*/, '$1:seen:<eventId>')
    .replace(/^rec:v\d+:.*/, 'rec:v<N>:h<hash>')
    .replace(/^model:(\w+):v\d+:manifest$/, 'model:$1:v<N>:manifest')
    .replace(/^model:(\w+):v\d+:\w+:[^:]+:\d+$/, 'model:$1:v<N>:<upload>:<file>:<chunk>')
    .replace(/^job:[^:]+:cancel$/, 'job:<id>:cancel')
    .replace(/^job:[^:]+$/, 'job:<id>')
    .replace(/^imp:(i|u|c|p|seen|s|cov):.*/, 'imp:$1:<id>')
}

describe('Redis keys and their bounds', { skip: await redisSkipReason() }, () => {
  it('gives every key a new user\'s events create a TTL, restarted by the user\'s next event', async (t) => {
    const { built, admin, prefix } = await setup(t)
    await postEvents(built, [{ userId: 'someone-else', itemId: 'i1', eventId: 'first' }])
    const before = new Set((await keyTtls(admin, prefix)).keys())

    await postEvents(built, [{ userId: 'new-user', itemId: 'i3', eventId: 'e-1' }, { userId: 'new-user', itemId: 'i4', ts: 1_732_870_000_000 }])
    const created = [...await keyTtls(admin, prefix)].filter(([key]) => !before.has(key))
    assert.deepEqual(created.map(([key]) => family(key)).sort(),
      ['events:seen:<eventId>', 'events:seen:<eventId>', 'hist:seen:<eventId>', 'hist:seen:<eventId>', 'hist:u:<userId>'])
    for (const [key, ttl] of created) assert.ok(ttl > 0, `${key} has a TTL (${ttl})`)
    const history = `${prefix}hist:u:new-user`
    assert.ok(await admin.pttl(history) > HOUR_MS - 60_000, 'the history lives HISTORY_TTL')

    await admin.pexpire(history, 5000)
    await postEvents(built, [{ userId: 'new-user', itemId: 'i5', eventId: 'e-2' }])
    assert.ok(await admin.pttl(history) > HOUR_MS - 60_000, 'the next event restarts it')
  })

  it('leaves only the bounded families without a TTL after events, recommendations, a job and an activation', async (t) => {
    const { built, admin, prefix } = await setup(t)
    const { app } = built
    for (let u = 0; u < 20; u++) {
      await postEvents(built, [{ userId: `fresh-${u}`, itemId: `i${u}`, eventId: `ev-${u}` }, { userId: `fresh-${u}`, itemId: `i${u + 1}` }])
      assert.equal((await app.inject({ url: `/recommend?userId=fresh-${u}&k=5` })).statusCode, 200)
    }
    assert.equal((await app.inject({ method: 'POST', url: '/recommend', payload: { history: ['i1', 'i2'], k: 5 } })).statusCode, 200)
    const job = await app.inject({ method: 'POST', url: '/admin/redistill', headers: AUTH, payload: {} })
    assert.equal(job.statusCode, 202, job.body)
    assert.equal((await app.inject({ method: 'DELETE', url: `/admin/jobs/${job.json<{ jobId: string }>().jobId}`, headers: AUTH })).statusCode, 202)
    const activated = await app.inject({ method: 'POST', url: `/admin/models/${built.version}/activate`, headers: AUTH })
    assert.equal(activated.statusCode, 200, activated.body)

    await built.services.online.tasks.idle()
    const ttls = await keyTtls(admin, prefix)
    const families = new Map<string, { withTtl: number, without: number }>()
    for (const [key, ttl] of ttls) {
      const counts = families.get(family(key)) ?? { withTtl: 0, without: 0 }
      if (ttl > 0) counts.withTtl++
      else counts.without++
      families.set(family(key), counts)
    }
    const without = [...families].filter(([, c]) => c.without > 0).map(([name]) => name).sort()
    assert.deepEqual(without, BOUNDED_WITHOUT_TTL, JSON.stringify(Object.fromEntries(families)))
    for (const expiring of ['hist:u:<userId>', 'hist:seen:<eventId>', 'events:seen:<eventId>', 'rec:v<N>:h<hash>', 'job:<id>', 'job:<id>:cancel', 'imp:i:<id>', 'imp:u:<id>', 'imp:s:<id>', 'imp:cov:<id>']) {
      assert.ok(families.has(expiring), `the sequence created ${expiring} keys`)
    }
  })
})
