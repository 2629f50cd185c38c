import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { buildHarness, saveFixture, startWorker } from './harness.js'

describe('the worker\'s lifecycle', () => {
  it('starts once however often start is called, stop clears every interval it set, and a stopped worker stays stopped', async (t) => {
    // a student on disk: no first run is due, so no job's own interval gets in the count
    const dir = await mkdtemp(join(tmpdir(), 'distillrec-lifecycle-'))
    t.after(async () => await rm(dir, { recursive: true, force: true }))
    await saveFixture(join(dir, 'models'))
    const h = await buildHarness(t, { REDISTILL_INTERVAL: '1h' }, dir)
    const set = t.mock.method(globalThis, 'setInterval')
    const cleared = t.mock.method(globalThis, 'clearInterval')
    const worker = await startWorker(h)
    const intervals = set.mock.calls.map((call) => call.result)
    assert.equal(intervals.length, 2, 'the schedule and the queue poll')
    await worker.start()
    await worker.start()
    assert.equal(set.mock.callCount(), 2, 'a second start sets no interval')
    await worker.stop()
    await worker.stop()
    const clearedHandles = new Set(cleared.mock.calls.map((call) => call.arguments[0]))
    assert.ok(intervals.every((handle) => clearedHandles.has(handle)), 'both intervals cleared')
    await worker.start()
    assert.equal(set.mock.callCount(), 2)
  })
})
