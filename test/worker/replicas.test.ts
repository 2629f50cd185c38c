import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { activateVersion } from '../../src/versions/activate.js'
import { JobControl } from '../../src/worker/job-control.js'
import { redisSkipReason, redisUrl, useRedis } from '../helpers/redis.js'
import { auth, buildHarness, finished, recommend, saveFixture, serving, startWorker, type Harness } from './harness.js'

async function until (what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const started = Date.now()
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(20)
  }
  return Date.now() - started
}

describe('replicas and a worker on one Redis', { skip: await redisSkipReason() }, () => {
  const redis = useRedis()

  it('both replicas serve the version a worker publishes, and a replica started later catches up', async (t) => {
    const env = { REDIS_URL: redisUrl(), REDIS_PREFIX: redis.prefix() }
    // each replica has a models directory of its own: the second finds versions in Redis only
    const first = await buildHarness(t, env)
    const second = await buildHarness(t, env)
    assert.deepEqual([(await serving(first)).kind, (await serving(second)).kind], ['popular', 'popular'])

    await startWorker(first)
    const { jobs } = (await second.app.inject({ url: '/admin/jobs', headers: auth })).json<{ jobs: Array<{ id: string }> }>()
    assert.equal(jobs.length, 1, 'the worker scheduled the first run, visible to every replica')
    // followed through the other replica: the job lives in Redis
    const done = await finished(second, jobs[0].id)
    assert.equal(done.state, 'activated', done.reason)
    assert.equal(done.version, 1)
    const ms = await until('both replicas serve v1', async () => (await serving(first)).version === 1 && (await serving(second)).version === 1)
    t.diagnostic(`both replicas served v1 ${ms} ms after the job was activated`)
    assert.deepEqual(await readdir(second.config.modelsDir).catch(() => []), [])
    for (const replica of [first, second]) {
      const answer = await recommend(replica, 'u1')
      assert.deepEqual([answer.source, answer.version, answer.header], ['student', 1, '1'])
    }
    const late = await buildHarness(t, env)
    assert.equal((await serving(late)).version, 1)
    assert.deepEqual((await late.app.inject({ url: '/admin/models', headers: auth })).json().versions.map((v: { version: number, state: string, sources: string[] }) => [v.version, v.state, v.sources]), [[1, 'active', ['store']]])
  })

  it('refuses a stale fencing token across replicas: tokens are taken atomically and the newer publish wins', async (t) => {
    const env = { REDIS_URL: redisUrl(), REDIS_PREFIX: redis.prefix() }
    const first = await buildHarness(t, env)
    const second = await buildHarness(t, env)
    const stale = await first.services.stores.channel.reserve(0)
    const fresh = await second.services.stores.channel.reserve(0)
    assert.equal(fresh, stale + 1)
    const publish = async (h: Harness, version: number): Promise<boolean> => {
      await saveFixture(h.config.modelsDir, { version, seed: version })
      return (await activateVersion({ modelsDir: h.config.modelsDir, version, store: h.services.stores.models, channel: h.services.stores.channel, fence: version })).activated
    }
    assert.equal(await publish(second, fresh), true)
    await until('both replicas serve the fresh version', async () => (await serving(first)).version === fresh && (await serving(second)).version === fresh)
    assert.equal(await publish(first, stale), false)
    await sleep(100)
    assert.deepEqual([(await serving(first)).version, (await serving(second)).version], [fresh, fresh])
    assert.equal(await first.services.stores.channel.active(), fresh)
  })

  it('reports a running job as failed once its worker stopped renewing the Redis lock', async (t) => {
    const h = await buildHarness(t, { REDIS_URL: redisUrl(), REDIS_PREFIX: redis.prefix() })
    const { jobs, runLock } = h.services.stores
    const control = new JobControl({ jobs, lock: runLock, lockTtlMs: 150 })
    const submitted = await control.submit({ trigger: 'admin' })
    assert.ok(submitted.accepted)
    const { job } = submitted
    assert.equal(await jobs.dequeue(), job.id)
    // a worker took the job, renewed once, and was killed
    await jobs.put({ ...job, state: 'running', phase: 'training-student', startedAt: new Date().toISOString() })
    assert.ok(await runLock.renew(job.id, 150))
    assert.equal((await control.get(job.id))?.state, 'running')
    await sleep(250)
    const dead = await control.get(job.id)
    assert.equal(dead?.state, 'failed')
    assert.match(dead?.reason ?? '', /lock expired/)
    assert.equal((await jobs.get(job.id))?.state, 'failed')
    // the next run is accepted
    assert.equal((await control.submit({ trigger: 'admin' })).accepted, true)
  })
})
