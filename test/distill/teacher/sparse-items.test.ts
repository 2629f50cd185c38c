import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { buildDataset } from '../../../src/data/build-dataset.js'
import { Random } from '../../../src/data/random.js'
import { leaveOneOut } from '../../../src/data/split.js'
import { generateSynthetic } from '../../../src/data/synthetic.js'
import type { StepLoss, Window } from '../../../src/distill/teacher/gradient-pool.js'
import { pooledVariables, ThreadGradientPool } from '../../../src/distill/teacher/thread-gradient-pool.js'
import { trainTeacher, windowsLoss } from '../../../src/distill/teacher/train-teacher.js'
import type { BackendName } from '../../../src/tf/backend-name.js'
import { Teacher } from '../../../src/models/teacher.js'
import { selectBackend } from '../../../src/tf/backend.js'
import { SparseEmbedding } from '../../../src/tf/sparse-embedding.js'

const split40 = leaveOneOut(buildDataset(generateSynthetic({ users: 60, items: 40, meanLength: 15, seed: 3 })))
const train = split40.train
const shape = { numItems: 40, dim: 16, blocks: 1, heads: 2, ffnDim: 16, maxLen: 12, dropout: 0 }

function assertClose (actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`)
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`)
  }
}

describe('teacher training with sparse item gradients', () => {
  before(async () => { await selectBackend() })

  it('gives the gathered rows the dense gradient\'s rows, and the dense gradient is zero on every other row', () => {
    const teacher = new Teacher({ ...shape, seed: 4 })
    const batch: Window[] = train.slice(0, 10).map((s, user) => ({ user, start: 0, stop: Math.min(s.length - 1, 11) })).filter((w) => w.stop > 0)
    const steps: StepLoss[] = [
      { negatives: Int32Array.of(1, 5, 7, 30, 5), logQ: Float32Array.from({ length: 40 }, (_, i) => Math.log(0.05 + i / 100)), chunkRows: Infinity },
      { negatives: Int32Array.of(2, 5, 9, 31), beta: 0.4, chunkRows: Infinity }
    ]
    const items = teacher.weights().items
    for (const step of steps) {
      const dense = tf.tidy(() => {
        const { grads } = tf.variableGrads(windowsLoss(teacher, train, batch, step, () => 1).loss, [items])
        return grads[items.name]
      })
      const sparse = new SparseEmbedding(items)
      const rowGrad = tf.tidy(() => {
        const share = windowsLoss(teacher, train, batch, step, () => 1, sparse)
        const { grads } = tf.variableGrads(share.loss, [share.gathered!])
        return grads[share.gathered!.name]
      })
      const ids = sparse.index.unique()
      const denseRows = dense.arraySync() as number[][]
      const sparseRows = rowGrad.arraySync() as number[][]
      ids.forEach((id, r) => assertClose(sparseRows[r], denseRows[id], 1e-5, `row ${id}`))
      const touched = new Set(ids)
      denseRows.forEach((row, id) => { if (!touched.has(id)) assert.ok(row.every((g) => g === 0), `untouched row ${id} has a gradient`) })
      sparse.dispose()
      tf.dispose([dense, rowGrad])
    }
    teacher.dispose()
  })

  it('computes a sparse step\'s loss on a replica without an item table as on the full teacher, and refuses to read the absent table', () => {
    const full = new Teacher({ ...shape, seed: 4 })
    const bare = new Teacher({ ...shape, seed: 9 }, { itemTable: false })
    assert.equal(bare.hasItemTable, false)
    assert.deepEqual(bare.weights().items.shape, [1, shape.dim], 'a one-row placeholder, not numItems + 1 rows')
    const from = pooledVariables(full, true)
    pooledVariables(bare, true).forEach((v, i) => v.assign(from[i]))
    const batch: Window[] = train.slice(0, 8).map((s, user) => ({ user, start: 0, stop: Math.min(s.length - 1, 11) })).filter((w) => w.stop > 0)
    const step: StepLoss = { negatives: Int32Array.of(1, 5, 7, 30), beta: 0.4, chunkRows: Infinity }
    const rows = new SparseEmbedding(full.weights().items)
    const [a, b] = tf.tidy(() => [windowsLoss(full, train, batch, step, () => 1, rows).loss().dataSync()[0], windowsLoss(bare, train, batch, step, () => 1, rows).loss().dataSync()[0]])
    assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`)
    assert.throws(() => bare.itemEmbeddings(), /item table/)
    assert.throws(() => bare.finalStates([Int32Array.of(1, 2)]), /item table/)
    rows.dispose()
    full.dispose()
    bare.dispose()
  })

  it('reaches the weights dense Adam reaches when every row is touched at every step', () => {
    // 512 negatives over 40 items: every item is a negative of every batch
    const options = { epochs: 2, batchSize: 16, learningRate: 5e-3, seed: 9, progress: false, loss: { kind: 'sampled', negatives: 512 } } as const
    const dense = new Teacher({ ...shape, seed: 4 })
    const sparse = new Teacher({ ...shape, seed: 4 })
    const tensors = tf.memory().numTensors
    const denseReport = trainTeacher(dense, train, { ...options, sparseItems: false })
    const sparseReport = trainTeacher(sparse, train, { ...options, sparseItems: true })
    assert.equal(tf.memory().numTensors, tensors)
    const want = dense.weights()
    for (const [name, v] of Object.entries(sparse.weights())) assertClose(v.dataSync(), want[name].dataSync(), 2e-3, name)
    sparseReport.epochs.forEach((e, i) => assert.ok(Math.abs(e.loss - denseReport.epochs[i].loss) < 1e-3 * denseReport.epochs[i].loss))
    dense.dispose()
    sparse.dispose()
  })

  it('learns on a sampled loss by default, and the item rows no step touched stay as they were', () => {
    // items 30..39 never occur in these sequences; 2 uniform negatives a step leave many rows untouched
    const rng = new Random(2)
    const seqs = Array.from({ length: 40 }, () => Int32Array.from({ length: 12 }, () => rng.int(30)))
    const teacher = new Teacher({ ...shape, seed: 4 })
    const before = teacher.weights().items.arraySync() as number[][]
    const report = trainTeacher(teacher, seqs, { epochs: 1, batchSize: 8, learningRate: 5e-3, seed: 1, progress: false, loss: { kind: 'sampled', negatives: 2 } })
    const after = teacher.weights().items.arraySync() as number[][]
    const moved = after.map((row, id) => row.some((v, j) => v !== before[id][j]))
    for (let id = 0; id < 30; id++) assert.ok(moved[id], `item ${id} occurs in the data and moved`)
    assert.ok(moved.slice(30, 40).filter((m) => !m).length > 0, 'some items outside the data were never drawn and kept their values')
    assert.equal(moved[40], false, 'the padding row never moves')
    assert.ok(Number.isFinite(report.epochs[0].loss))
    teacher.dispose()
  })

  it('trains on two threads as on one, the rows of each step shared with the helper, releasing every tensor', async () => {
    const options = { epochs: 2, batchSize: 16, learningRate: 5e-3, seed: 9, progress: false, loss: { kind: 'sampled', negatives: 24 } } as const
    const single = new Teacher({ ...shape, seed: 4 })
    const one = trainTeacher(single, train, options)
    const teacher = new Teacher({ ...shape, seed: 4 })
    const pool = await ThreadGradientPool.start({ threads: 2, teacher, train, batchSize: 16, negatives: 24, backend: tf.getBackend() as BackendName, sparseItems: true })
    try {
      const tensors = tf.memory().numTensors
      const two = trainTeacher(teacher, train, { ...options, pool })
      assert.equal(tf.memory().numTensors, tensors)
      one.epochs.forEach((e, i) => assert.ok(Math.abs(two.epochs[i].loss - e.loss) < 0.01 * e.loss, `epoch ${i + 1}: ${two.epochs[i].loss} vs ${e.loss} on one thread`))
      // Adam's first steps move a weight by ±lr whatever its gradient's size, so float noise in
      // near-zero gradients (shares padded differently) flips some: the weights agree in the large
      const mean = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0) / a.length
      const initial = new Teacher({ ...shape, seed: 4 })
      const items = teacher.weights().items.dataSync() as Float32Array
      const moved = mean(items, initial.weights().items.dataSync() as Float32Array)
      assert.ok(moved > 1e-3, 'the helper\'s rows were trained')
      const apart = mean(items, single.weights().items.dataSync() as Float32Array)
      // the dense pool ends as far from one thread (0.21 of the distance moved, measured)
      assert.ok(apart < 0.3 * moved, `and trained as on one thread (${apart} apart, ${moved} moved)`)
      initial.dispose()
      assert.throws(() => pool.step(tf.train.sgd(0.1), [], { chunkRows: Infinity }, 1), /sparse/)
    } finally {
      await pool.close()
      single.dispose()
      teacher.dispose()
    }
  })
})
