import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { MicroBatcher } from '../../src/serving/micro-batcher.js'

describe('MicroBatcher', () => {
  it('answers concurrent submissions from one run, each with its own output, in order', async () => {
    const runs: number[][] = []
    const batcher = new MicroBatcher<number, number>({ maxBatch: 64, maxWaitMs: 1, run: async (xs) => { runs.push(xs); return xs.map((x) => x * 10) } })
    assert.deepEqual(await Promise.all([1, 2, 3, 4].map(async (x) => await batcher.submit(x))), [10, 20, 30, 40])
    assert.deepEqual(runs, [[1, 2, 3, 4]])
  })

  it('never runs more than maxBatch at once, nor two batches at the same time', async () => {
    const sizes: number[] = []
    let running = 0
    const batcher = new MicroBatcher<number, number>({
      maxBatch: 3,
      maxWaitMs: 0,
      run: async (xs) => {
        assert.equal(running++, 0)
        sizes.push(xs.length)
        await sleep(5)
        running--
        return xs
      }
    })
    const outputs = await Promise.all(Array.from({ length: 10 }, async (_, i) => await batcher.submit(i)))
    assert.deepEqual(outputs, Array.from({ length: 10 }, (_, i) => i))
    assert.ok(sizes.every((s) => s <= 3), `sizes ${sizes.join(',')}`)
    assert.equal(sizes.reduce((a, b) => a + b), 10)
  })

  it('rejects every member of a failed run and keeps serving later ones', async () => {
    let fail = true
    const batcher = new MicroBatcher<number, number>({ maxBatch: 8, maxWaitMs: 0, run: async (xs) => { if (fail) throw new Error('boom'); return xs } })
    const results = await Promise.allSettled([batcher.submit(1), batcher.submit(2)])
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected'])
    fail = false
    assert.equal(await batcher.submit(3), 3)
  })

  it('rejects what still waits on close and leaves no timer behind', async () => {
    const batcher = new MicroBatcher<number, number>({ maxBatch: 8, maxWaitMs: 50, run: async (xs) => xs })
    const pending = batcher.submit(1)
    batcher.close()
    await assert.rejects(pending, /closed/)
    await assert.rejects(batcher.submit(2), /closed/)
  })
})
