import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { main as activate } from '../../src/cli/activate.js'
import { build, buildWithStudent } from '../helper.js'
import { cleanupPrefix, redisSkipReason, redisUrl, uniquePrefix } from '../helpers/redis.js'
import { saveStudent } from '../serving/student-fixture.js'

async function until (what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const started = Date.now()
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
  return Date.now() - started
}

describe('rolling a version out to replicas on one Redis', { skip: await redisSkipReason() }, () => {
  it('makes two running replicas swap to an activated version within 2 s, and back again on rollback, with no failed request', async (t) => {
    const prefix = uniquePrefix()
    const admin = new Redis(redisUrl())
    t.after(async () => { await cleanupPrefix(admin, prefix); await admin.quit() })
    const env = { REDIS_URL: redisUrl(), REDIS_PREFIX: prefix }
    const first = await buildWithStudent(t, env)
    const second = await build(t, env)
    const version = async (replica: typeof second): Promise<number> => (await replica.app.inject({ url: '/health/ready' })).json().model.version
    assert.deepEqual([await version(first), await version(second)], [first.version, first.version])

    const modelsDir = join(first.dir, 'models')
    const next = await saveStudent(modelsDir, { seed: 77 })
    let failures = 0
    const load = { on: true }
    const traffic = (async () => {
      while (load.on) {
        for (const replica of [first, second]) {
          const res = await replica.app.inject({ url: '/recommend?userId=u5&k=5' })
          if (res.statusCode !== 200) failures++
        }
      }
    })()
    // the traffic loop stops even when a wait below fails, or the test would never end
    try {
      await activate(['--version', String(next), '--models-dir', modelsDir, '--redis-url', redisUrl(), '--prefix', prefix], () => {})
      const ms = await until('both replicas serve the new version', async () => await version(first) === next && await version(second) === next)
      assert.ok(ms < 2000, `converged in ${ms} ms`)
      const answer = (await second.app.inject({ url: '/recommend?userId=u5&k=5' }))
      assert.equal(answer.headers['x-model-version'], String(next))

      await activate(['--version', String(first.version), '--models-dir', modelsDir, '--redis-url', redisUrl(), '--prefix', prefix], () => {})
      await until('rolled back', async () => await version(first) === first.version && await version(second) === first.version)
    } finally {
      load.on = false
      await traffic
    }
    assert.equal(failures, 0)
  })

  it('starts a new replica on the active version, not merely the newest one', async (t) => {
    const prefix = uniquePrefix()
    const admin = new Redis(redisUrl())
    t.after(async () => { await cleanupPrefix(admin, prefix); await admin.quit() })
    const env = { REDIS_URL: redisUrl(), REDIS_PREFIX: prefix }
    const first = await buildWithStudent(t, env)
    await saveStudent(join(first.dir, 'models'), { seed: 5 })
    await activate(['--version', String(first.version), '--models-dir', join(first.dir, 'models'), '--redis-url', redisUrl(), '--prefix', prefix], () => {})
    const late = await build(t, env, first.dir)
    assert.equal((await late.app.inject({ url: '/health/ready' })).json().model.version, first.version)
  })

  it('keeps serving when an activated version cannot be loaded', async (t) => {
    const prefix = uniquePrefix()
    const admin = new Redis(redisUrl())
    t.after(async () => { await cleanupPrefix(admin, prefix); await admin.quit() })
    const replica = await buildWithStudent(t, { REDIS_URL: redisUrl(), REDIS_PREFIX: prefix })
    await admin.multi().set(`${prefix}model:student:active`, '99').publish(`${prefix}model:student:activated`, '99').exec()
    await sleep(300)
    const res = await replica.app.inject({ url: '/recommend?userId=u5' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().modelVersion, replica.version)
  })
})
