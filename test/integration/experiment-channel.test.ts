import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { inCandidate } from '../../src/experiments/assignment.js'
import type { Experiment } from '../../src/stores/experiment-store.js'
import { closeRedis, createRedisClient } from '../../src/stores/redis-client.js'
import { cleanupPrefix, redisSkipReason, redisUrl, uniquePrefix } from '../helpers/redis.js'
import { auth, modelVersion, redisReplica, type Harness } from '../worker/harness.js'

/** Replicas hear of experiments through the version channel only: the store's poll is an hour away. */
const POLL_MS = '3600000'
/** How soon an experiment started or stopped on one replica must be in force on the other. */
const BOUND_MS = 1000

/** Milliseconds until every user gets `expected` from `h` (fails past BOUND_MS). */
async function inForce (h: Harness, users: string[], expected: (userId: string) => number, what: string): Promise<number> {
  const started = performance.now()
  for (;;) {
    const got = await Promise.all(users.map(async (u) => await modelVersion(h, u)))
    if (got.every((v, i) => v === expected(users[i]))) return performance.now() - started
    if (performance.now() - started > BOUND_MS) assert.fail(`not within ${BOUND_MS} ms: ${what} (${got.join(',')})`)
    await sleep(5)
  }
}

describe('experiments shared through the version channel (Redis)', { skip: await redisSkipReason() }, () => {
  it('puts an experiment started on replica A in force on replica B at once, and a stop on B ends it on A', async (t) => {
    const prefix = uniquePrefix()
    const admin = createRedisClient(redisUrl())
    t.after(async () => {
      await cleanupPrefix(admin, prefix)
      await closeRedis(admin)
    })
    const a = await redisReplica(t, prefix, { EXPERIMENT_POLL_MS: POLL_MS })
    const b = await redisReplica(t, prefix, { EXPERIMENT_POLL_MS: POLL_MS })
    const users = Array.from({ length: 12 }, (_, u) => `c${u}`)
    for (const u of users) assert.equal(await modelVersion(b, u), 2)

    const started = await a.app.inject({ method: 'POST', url: '/admin/experiments', headers: auth, payload: { candidate: 1, percent: 50 } })
    assert.equal(started.statusCode, 201, started.body)
    const experiment = started.json<Experiment>()
    const arm = (u: string): number => inCandidate(experiment.salt, u, experiment.percent) ? 1 : 2
    assert.ok(users.some((u) => arm(u) === 1) && users.some((u) => arm(u) === 2), 'both arms among the users')
    const split = await inForce(b, users, arm, 'replica B splits the users as A does')
    t.diagnostic(`split in force on B ${split.toFixed(0)} ms after A answered`)
    assert.equal(b.services.online.runtime.experiment?.id, experiment.id)

    const stopped = await b.app.inject({ method: 'POST', url: `/admin/experiments/${experiment.id}/stop`, headers: auth })
    assert.equal(stopped.statusCode, 200, stopped.body)
    const ended = await inForce(a, users, () => 2, 'replica A serves the control to everyone')
    t.diagnostic(`stop in force on A ${ended.toFixed(0)} ms after B answered`)
    assert.equal(a.services.online.runtime.experiment, undefined)
  })
})
