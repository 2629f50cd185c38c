import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { closeRedis, createRedisClient } from '../../src/stores/redis-client.js'
import { cleanupPrefix, redisSkipReason, redisUrl, uniquePrefix } from '../helpers/redis.js'
import { auth, buildHarness, saveFixture, type Harness } from '../worker/harness.js'

/** A replica with v1 and v2 (the same weights on every replica) on a shared Redis prefix. */
async function replica (t: TestContext, prefix: string): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-exp-redis-'))
  t.after(async () => await rm(dir, { recursive: true, force: true }))
  await saveFixture(join(dir, 'models'), { seed: 11 })
  await saveFixture(join(dir, 'models'), { seed: 12 })
  return await buildHarness(t, { REDIS_URL: redisUrl(), REDIS_PREFIX: prefix, EXPERIMENT_POLL_MS: '50' }, dir)
}

async function until (check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not within 5 s: ${what}`)
    await sleep(20)
  }
}

const version = async (h: Harness, userId: string): Promise<number> => (await h.app.inject({ url: `/recommend?userId=${userId}` })).json().modelVersion

describe('experiments across replicas (Redis)', { skip: await redisSkipReason() }, () => {
  it('splits every replica\'s users the same way, counts their events in one place, and stops everywhere', async (t) => {
    const prefix = uniquePrefix()
    const admin = createRedisClient(redisUrl())
    t.after(async () => {
      await cleanupPrefix(admin, prefix)
      await closeRedis(admin)
    })
    const a = await replica(t, prefix)
    const b = await replica(t, prefix)
    const started = await a.app.inject({ method: 'POST', url: '/admin/experiments', headers: auth, payload: { candidate: 1, percent: 50 } })
    assert.equal(started.statusCode, 201, started.body)
    const id = started.json().id
    await until(() => b.services.online.runtime.experiment?.id === id, 'replica b follows the experiment')

    const users = Array.from({ length: 30 }, (_, u) => `r${u}`)
    await until(async () => (await Promise.all(users.map(async (u) => await version(b, u)))).includes(1), 'replica b has loaded the candidate')
    for (const userId of users) assert.equal(await version(a, userId), await version(b, userId), `${userId} got another arm on another replica`)

    // shown on a, clicked through b
    const shown = (await a.app.inject({ url: '/recommend?userId=r0&k=5' })).json()
    await a.services.online.tasks.idle()
    const event = await b.app.inject({ method: 'POST', url: '/events', payload: { userId: 'r0', itemId: shown.items[0].itemId, recommendationId: shown.recommendationId, eventId: 'x-1' } })
    assert.equal(event.statusCode, 202)
    await b.services.online.tasks.idle()
    const report = (await b.app.inject({ url: `/admin/experiments/${id}`, headers: auth })).json()
    assert.equal(report.arms.reduce((sum: number, arm: { listsWithEvent: number }) => sum + arm.listsWithEvent, 0), 1)
    assert.ok(report.arms.reduce((sum: number, arm: { impressions: number }) => sum + arm.impressions, 0) >= 2 * users.length)

    const stopped = await b.app.inject({ method: 'POST', url: `/admin/experiments/${id}/stop`, headers: auth })
    assert.equal(stopped.statusCode, 200, stopped.body)
    await until(() => a.services.online.runtime.experiment === undefined, 'replica a drops the experiment')
    for (const userId of users.slice(0, 5)) assert.equal(await version(a, userId), 2)
  })
})
