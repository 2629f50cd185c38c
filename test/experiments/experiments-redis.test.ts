import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { closeRedis, createRedisClient } from '../../src/stores/redis-client.js'
import { cleanupPrefix, redisSkipReason, redisUrl, uniquePrefix } from '../helpers/redis.js'
import { auth, modelVersion, redisReplica, until } from '../worker/harness.js'

describe('experiments across replicas (Redis)', { skip: await redisSkipReason() }, () => {
  it('splits every replica\'s users the same way, counts their events in one place, and stops everywhere', async (t) => {
    const prefix = uniquePrefix()
    const admin = createRedisClient(redisUrl())
    t.after(async () => {
      await cleanupPrefix(admin, prefix)
      await closeRedis(admin)
    })
    const a = await redisReplica(t, prefix, { EXPERIMENT_POLL_MS: '50' })
    const b = await redisReplica(t, prefix, { EXPERIMENT_POLL_MS: '50' })
    const started = await a.app.inject({ method: 'POST', url: '/admin/experiments', headers: auth, payload: { candidate: 1, percent: 50 } })
    assert.equal(started.statusCode, 201, started.body)
    const id = started.json().id
    await until('replica b follows the experiment', () => b.services.online.runtime.experiment?.id === id)

    const users = Array.from({ length: 30 }, (_, u) => `r${u}`)
    await until('replica b has loaded the candidate', async () => (await Promise.all(users.map(async (u) => await modelVersion(b, u)))).includes(1))
    for (const userId of users) assert.equal(await modelVersion(a, userId), await modelVersion(b, userId), `${userId} got another arm on another replica`)

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
    await until('replica a drops the experiment', () => a.services.online.runtime.experiment === undefined)
    for (const userId of users.slice(0, 5)) assert.equal(await modelVersion(a, userId), 2)
  })
})
