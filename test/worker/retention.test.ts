import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { listVersions, saveArtifact } from '../../src/models/artifact/index.js'
import type { RedistillOutcome } from '../../src/worker/redistill-run.js'
import type { StudentVersionInfo } from '../../src/versions/version-list.js'
import { redisSkipReason, redisUrl, useRedis } from '../helpers/redis.js'
import { auth, buildHarness, finished, saveFixture, serving, startWorker, submit, type Harness } from './harness.js'

interface Models { versions: StudentVersionInfo[], teachers: Array<{ version: number, kept: boolean }>, retention: { keepVersions: number } }

async function models (h: Harness): Promise<Models> {
  const res = await h.app.inject({ url: '/admin/models', headers: auth })
  assert.equal(res.statusCode, 200, res.body)
  return res.json()
}

/** A teacher version on disk; retention reads only its number and the students that name it. */
async function saveTeacher (modelsDir: string): Promise<number> {
  const w = tf.zeros([1])
  try {
    return (await saveArtifact(modelsDir, { role: 'teacher', weights: { w }, config: { kind: 'teacher' }, itemIds: ['a'], datasetFingerprint: 'f' })).version
  } finally {
    w.dispose()
  }
}

describe('retention after each activation', { skip: await redisSkipReason() }, () => {
  const redis = useRedis()

  it('keeps the active version and the newest KEEP_VERSIONS ready ones on disk and in Redis, and the teachers they came from, and removes the rest in order', async (t) => {
    const h = await buildHarness(t, { REDIS_URL: redisUrl(), REDIS_PREFIX: redis.prefix(), KEEP_VERSIONS: '2', LOG_LEVEL: 'info' })
    const modelsDir = h.config.modelsDir
    const store = h.services.stores.models!
    // submitted before the worker starts, so its schedule does not start the first run by itself
    const first = await submit(h)
    // each run trains a teacher and distils a student from it (v1 from teacher 1, and so on)
    await startWorker(h, async (input) => {
      const teacherVersion = await saveTeacher(modelsDir)
      await saveFixture(modelsDir, { version: input.version, seed: input.version, teacherVersion })
      const outcome: RedistillOutcome = { version: input.version, state: 'ready', candidateNdcg: 0.5, activeNdcg: null, latencyMs: 1, testNdcg: 0.5, teacherVersion, items: 300, users: 500 }
      return outcome
    })
    const after: Array<[number[], number[], number[]]> = []
    for (let run = 1; run <= 5; run++) {
      const done = await finished(h, run === 1 ? first : await submit(h))
      assert.equal(done.state, 'activated', done.reason)
      assert.equal(done.version, run)
      after.push([listVersions(modelsDir, 'student'), await store.versions('student'), listVersions(modelsDir, 'teacher')])
    }
    assert.deepEqual(after, [
      [[1], [1], [1]],
      [[1, 2], [1, 2], [1, 2]],
      [[1, 2, 3], [1, 2, 3], [1, 2, 3]],
      // v4 active, v3 and v2 its KEEP_VERSIONS=2 rollback targets; teachers 4 and 3, and 2 (v2's)
      [[2, 3, 4], [2, 3, 4], [2, 3, 4]],
      [[3, 4, 5], [3, 4, 5], [3, 4, 5]]
    ])
    const removed = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'old versions removed')
    assert.deepEqual(removed.map((l) => [l.version, l.keepVersions, l.removedStudents, l.removedTeachers]), [[4, 2, [1], [1]], [5, 2, [2], [2]]])

    // an operator rolls back to v3: it stays, and the newest two besides it are kept
    const rollback = await h.app.inject({ method: 'POST', url: '/admin/models/3/activate', headers: auth })
    assert.equal(rollback.statusCode, 200, rollback.body)
    assert.equal((await serving(h)).version, 3)
    const body = await models(h)
    assert.deepEqual(body.retention, { keepVersions: 2 })
    assert.deepEqual(body.versions.map((v) => [v.version, v.state, v.kept, v.sources]), [[5, 'ready', true, ['disk', 'store']], [4, 'ready', true, ['disk', 'store']], [3, 'active', true, ['disk', 'store']]])
    assert.deepEqual(body.teachers, [{ version: 5, kept: true }, { version: 4, kept: true }, { version: 3, kept: true }])
  })
  it('never fails a run when a removal fails: it is logged and left for the next activation', async (t) => {
    const h = await buildHarness(t, { REDIS_URL: redisUrl(), REDIS_PREFIX: redis.prefix(), KEEP_VERSIONS: '1', LOG_LEVEL: 'info' })
    const store = h.services.stores.models!
    store.remove = async () => { throw new Error('Redis refused the removal') }
    const first = await submit(h)
    await startWorker(h, async (input) => {
      await saveFixture(h.config.modelsDir, { version: input.version, seed: input.version })
      return { version: input.version, state: 'ready', candidateNdcg: 0.5, activeNdcg: null, latencyMs: 1, testNdcg: 0.5, teacherVersion: null, items: 300, users: 500 }
    })
    for (let run = 1; run <= 3; run++) {
      const done = await finished(h, run === 1 ? first : await submit(h))
      assert.equal(done.state, 'activated', done.reason)
    }
    assert.deepEqual(listVersions(h.config.modelsDir, 'student'), [1, 2, 3])
    const warned = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'retention could not remove a version; the next run tries again')
    assert.deepEqual(warned.map((l) => [l.role, l.version, l.err]), [['student', 1, 'Redis refused the removal']])
    // what this replica serves is kept too: once it has swapped to v3, v1 is neither served nor kept
    for (let waited = 0; (await serving(h)).version !== 3; waited += 20) {
      assert.ok(waited < 10_000, 'the replica swapped to v3')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    assert.deepEqual((await models(h)).versions.map((v) => [v.version, v.kept]), [[3, true], [2, true], [1, false]])
  })
})
