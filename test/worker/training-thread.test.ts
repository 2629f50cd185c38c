import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { versionDir } from '../../src/models/artifact/index.js'
import { auth, buildHarness, finished, job, recommend, serving, startWorker, submit } from './harness.js'

// The default execute: each run trains in a worker thread of its own (runInThread).
describe('a run in the training thread', () => {
  it('stops within one step of a cancel, publishes nothing, and the service keeps serving', async (t) => {
    const h = await buildHarness(t, { REDISTILL_EPOCHS: '1' })
    // a first run would start by itself with no student: take the lock with a long run first
    const id = await submit(h, { epochs: 500, losses: ['task'] })
    await startWorker(h, 'thread')
    const deadline = Date.now() + 20_000
    for (;;) {
      const current = await job(h, id)
      if (current.state === 'running' && current.phase.startsWith('training-')) break
      assert.ok(current.state === 'queued' || current.state === 'running', `${current.state}: ${current.reason ?? ''}`)
      if (Date.now() > deadline) assert.fail(`still ${current.state} (${current.phase}) after 20 s`)
      await sleep(25)
    }
    const asked = Date.now()
    const res = await h.app.inject({ method: 'DELETE', url: `/admin/jobs/${id}`, headers: auth })
    assert.equal(res.statusCode, 202, res.body)
    const cancelled = await finished(h, id, 15_000)
    const tookMs = Date.now() - asked
    t.diagnostic(`cancelled ${tookMs} ms after the request, at epoch ${cancelled.epoch ?? 0} of 500`)
    assert.equal(cancelled.state, 'cancelled', cancelled.reason)
    assert.match(cancelled.reason ?? '', /cancelled by request/)
    // the worker reads the cancel flag every second and the thread stops at its next step: well
    // within the 3 s after which a thread that ignores the flag is terminated
    assert.ok(tookMs < 3000, `cancelled after ${tookMs} ms`)
    assert.ok(cancelled.history.length < 500)
    assert.ok(!existsSync(versionDir(h.config.modelsDir, 'student', cancelled.version!)))
    assert.equal(await h.services.stores.channel.active(), null)
    assert.deepEqual(await serving(h), { version: 0, kind: 'popular' })
    assert.equal((await recommend(h, 'u1')).source, 'popular')
    // the lock is free again
    await submit(h, { epochs: 1 })
  })

  it('marks the job failed with the thread\'s error when the run cannot read its data', async (t) => {
    const h = await buildHarness(t)
    const missing = join(h.dir, 'no-such-interactions.csv')
    const id = await submit(h)
    await startWorker(h, 'thread', { ...h.config, dataPath: missing })
    const failed = await finished(h, id, 20_000)
    assert.equal(failed.state, 'failed')
    assert.equal(failed.phase, 'done')
    assert.ok(failed.reason?.includes('no-such-interactions.csv'), failed.reason)
    assert.equal((await recommend(h, 'u1')).source, 'popular')
  })
})
