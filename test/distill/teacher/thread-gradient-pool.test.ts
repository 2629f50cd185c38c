import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { buildDataset } from '../../../src/data/build-dataset.js'
import { leaveOneOut } from '../../../src/data/split.js'
import { generateSynthetic } from '../../../src/data/synthetic.js'
import type { Window } from '../../../src/distill/teacher/gradient-pool.js'
import { ThreadGradientPool, shareGradients, split } from '../../../src/distill/teacher/thread-gradient-pool.js'
import { trainTeacher } from '../../../src/distill/teacher/train-teacher.js'
import { Teacher } from '../../../src/models/teacher.js'
import { selectBackend } from '../../../src/tf/backend.js'
import type { BackendName } from '../../../src/tf/backend-name.js'

const split80 = leaveOneOut(buildDataset(generateSynthetic({ users: 80, items: 40, meanLength: 15, seed: 3 })))
const train = split80.train
const shape = { numItems: 40, dim: 16, blocks: 1, heads: 2, ffnDim: 16, maxLen: 12, dropout: 0 }
const base = { epochs: 2, batchSize: 16, learningRate: 5e-3, seed: 9, progress: false, loss: { kind: 'full' } } as const

describe('data-parallel teacher training', () => {
  before(async () => { await selectBackend() })

  it('averages the shares\' gradients, weighted by positions, to the whole batch\'s gradients', () => {
    const teacher = new Teacher({ ...shape, seed: 4 })
    const batch: Window[] = train.slice(0, 12).map((s, user) => ({ user, start: 0, stop: Math.min(s.length - 1, 11) })).filter((w) => w.stop > 0)
    for (const step of [{ chunkRows: Infinity }, { chunkRows: 9 }, { negatives: Int32Array.of(1, 5, 7, 30), logQ: new Float32Array(40).fill(Math.log(4 / 40)), chunkRows: Infinity },
      { negatives: Int32Array.of(2, 5, 9, 31), beta: 0.4, chunkRows: Infinity }]) {
      const whole = shareGradients(teacher, train, batch, step, 1)
      const shares = split(batch, 3).map((share) => shareGradients(teacher, train, share, step, 1))
      assert.equal(shares.reduce((n, s) => n + s.rows, 0), whole.rows)
      const summed = new Float32Array(whole.grads.length)
      for (const s of shares) s.grads.forEach((g, i) => { summed[i] += g })
      whole.grads.forEach((g, i) => assert.ok(Math.abs(summed[i] - g) <= 1e-4 * (1 + Math.abs(g)), `gradient ${i}: ${summed[i]} vs ${g}`))
      assert.ok(Math.abs(shares.reduce((n, s) => n + s.lossSum, 0) - whole.lossSum) < 1e-3 * whole.lossSum)
    }
    teacher.dispose()
  })

  describe('with two threads', () => {
    const runs: Array<{ losses: number[], ndcg: number | undefined }> = []
    let pool: ThreadGradientPool | undefined
    after(async () => { await pool?.close() })

    it('trains as one thread does, reproducibly from the seed, releasing every tensor', async () => {
      const single = new Teacher({ ...shape, seed: 4 })
      const one = trainTeacher(single, train, { ...base, valid: split80.valid })
      single.dispose()
      for (let r = 0; r < 2; r++) {
        const teacher = new Teacher({ ...shape, seed: 4 })
        pool = await ThreadGradientPool.start({ threads: 2, teacher, train, batchSize: base.batchSize, negatives: 0, backend: tf.getBackend() as BackendName })
        const tensors = tf.memory().numTensors
        const report = trainTeacher(teacher, train, { ...base, valid: split80.valid, pool })
        assert.equal(tf.memory().numTensors, tensors)
        await pool.close()
        pool = undefined
        teacher.dispose()
        runs.push({ losses: report.epochs.map((e) => e.loss), ndcg: report.bestMetric })
      }
      assert.deepEqual(runs[1], runs[0], 'the same seed and thread count give the same run')
      one.epochs.forEach((e, i) => assert.ok(Math.abs(runs[0].losses[i] - e.loss) < 0.01 * e.loss, `epoch ${i + 1}: ${runs[0].losses[i]} vs ${e.loss} on one thread`))
    })

    it('hands each step\'s loss to the helper: its share computes the same sampled softmax and gBCE as the main thread', async () => {
      const teacher = new Teacher({ ...shape, seed: 4 })
      const batch: Window[] = train.slice(0, 12).map((s, user) => ({ user, start: 0, stop: Math.min(s.length - 1, 11) })).filter((w) => w.stop > 0)
      const negatives = Int32Array.of(2, 5, 9, 31)
      pool = await ThreadGradientPool.start({ threads: 2, teacher, train, batchSize: batch.length, negatives: negatives.length, backend: tf.getBackend() as BackendName })
      const optimizer = tf.train.adam(1e-3)
      const logQ = Float32Array.from({ length: 40 }, (_, i) => Math.log((i + 1) / 40))
      for (const step of [{ negatives, logQ, chunkRows: Infinity }, { negatives, beta: 0.4, chunkRows: Infinity }, { negatives, beta: 1, chunkRows: Infinity }]) {
        const whole = shareGradients(teacher, train, batch, step, 1)
        const pooled = pool.step(optimizer, batch, step, 1)
        assert.equal(pooled.rows, whole.rows)
        const expected = whole.lossSum / whole.rows
        assert.ok(Math.abs(pooled.loss - expected) < 1e-4 * expected, `${JSON.stringify(Object.keys(step))}: ${pooled.loss} vs ${expected}`)
      }
      optimizer.dispose()
      await pool.close()
      pool = undefined
      teacher.dispose()
    })
  })
})
