import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { closeRedis, type RedisConnection, waitForRedis } from '../../src/stores/redis-client.js'
import { createRedisConnection } from '../../src/stores/redis-connection.js'
import { eventKey } from '../../src/stores/event-id.js'
import { keysFor } from '../../src/stores/redis-keys.js'
import { RedisRunLock } from '../../src/stores/redis-run-lock.js'
import { RedisVersionChannel } from '../../src/stores/redis-version-channel.js'
import { buildWithStudent } from '../helper.js'
import { startRedisSentinels, topologySkipReason } from '../helpers/redis-topology.js'
import { saveStudent } from '../serving/student-fixture.js'
import { startLoad, until } from './failover-load.js'

/** Ports 7120-7125: primary, two replicas, three sentinels; this file's own. */
const BASE_PORT = 7120
const PREFIX = 'failover:'

/** The event keys (`id:<eventId>`, see event-id.ts) in the stream. */
async function streamIds (client: RedisConnection): Promise<Set<string>> {
  const entries = await client.xrange(keysFor(client, PREFIX).events, '-', '+')
  return new Set(entries.map(([, fields]) => fields[fields.indexOf('e') + 1]))
}

describe('a Sentinel failover under load (SIGKILL of the primary)', { skip: topologySkipReason() }, () => {
  it('answers every /recommend, keeps every acknowledged event, hears the next activation, never hands the run lock out twice, and reports the outage until it is over', async (t) => {
    // two replicas: the promoted one still has a replica for EVENT_MIN_REPLICAS=1
    const sentinels = await startRedisSentinels({ basePort: BASE_PORT, replicas: 2, downAfterMs: 1000 })
    t.after(async () => await sentinels.stop())
    const { topology } = sentinels
    if (topology.mode !== 'sentinel') throw new Error('not a sentinel topology')
    const env = {
      REDIS_SENTINELS: topology.sentinels.map(({ host, port }) => `${host}:${port}`).join(','),
      REDIS_SENTINEL_NAME: topology.name,
      REDIS_PREFIX: PREFIX,
      EVENT_LOG: 'redis',
      EVENT_MIN_REPLICAS: '1',
      // the longest wait allowed: on a loaded machine a replica can lag past the default 250 ms
      EVENT_ACK_TIMEOUT_MS: '400',
      WORKER: 'off',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent'
    }
    const built = await buildWithStudent(t, env)
    await until('redis up', async () => (await built.app.inject({ url: '/health/ready' })).json<{ redis: string }>().redis === 'up', 10_000)

    // the run lock: one holder renews through the failover, another keeps trying to take it
    const connections = await Promise.all([0, 1, 2].map(async () => {
      const connection = createRedisConnection(topology)
      t.after(async () => await closeRedis(connection))
      assert.ok(await waitForRedis(connection, 5000))
      return connection
    }))
    const [holderClient, rivalClient, admin] = connections
    const holder = new RedisRunLock({ client: holderClient, prefix: PREFIX })
    const rival = new RedisRunLock({ client: rivalClient, prefix: PREFIX })
    assert.equal(await holder.acquire('holder', 8000), true)
    let rivalTook = 0
    const lockRunning = { on: true }
    const lockLoop = (async () => {
      while (lockRunning.on) {
        if (await rival.acquire('rival', 8000).catch(() => false)) rivalTook++
        await holder.renew('holder', 8000).catch(() => false)
        await sleep(100)
      }
    })()

    const load = startLoad(built, { tag: 'sentinel' })
    t.after(async () => { await load.stop(0) })
    await sleep(1000)
    const oldPrimary = await sentinels.primaryPort()
    await sentinels.kill(oldPrimary)
    await until('a replica promoted', async () => await sentinels.primaryPort() !== oldPrimary, 60_000)
    await load.readinessBackTo('ready', 60_000)
    // some traffic on the new primary, and events acknowledged by its remaining replica
    await sleep(1500)
    const report = await load.stop(15_000)
    lockRunning.on = false
    await lockLoop

    assert.equal(report.recommend.failed, 0, JSON.stringify(report.recommend.statuses))
    assert.ok(report.recommend.answered > 0)
    assert.deepEqual(report.events.unaccepted, [], 'every refused event was accepted on a retry')
    assert.equal(report.events.otherFailures, 0)
    assert.ok(report.readiness.includes('degraded'), `readiness reported the outage: ${report.readiness.join(' -> ')}`)
    assert.equal(report.readiness.at(-1), 'ready', `readiness after the failover: ${report.readiness.join(' -> ')}`)

    const logged = await streamIds(admin)
    const lost = [...report.events.accepted].filter((eventId) => !logged.has(eventKey({ userId: '', itemId: '', eventId }) ?? ''))
    assert.deepEqual(lost, [], `${lost.length} of ${report.events.accepted.size} acknowledged events missing after the failover`)

    assert.equal(rivalTook, 0, 'the run lock was never held by two owners')
    assert.equal(await holder.holder(), 'holder')

    // the next activation reaches the app's subscriber, now on the new primary
    const next = await saveStudent(join(built.dir, 'models'), { seed: 12 })
    const announcer = new RedisVersionChannel({ client: admin, subscriber: admin, prefix: PREFIX })
    assert.equal(await announcer.activate(next), true)
    await until(`the app serving v${next}`, async () => (await built.app.inject({ url: '/health/ready' })).json<{ model: { version: number } }>().model.version === next, 15_000)
  })
})
