import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { buildDataset } from '../../../src/data/build-dataset.js'
import { Random } from '../../../src/data/random.js'
import { leaveOneOut } from '../../../src/data/split.js'
import { generateSynthetic } from '../../../src/data/synthetic.js'
import { distillStudent } from '../../../src/distill/student/distill-student.js'
import { SparseStudentTables, sparseStudentStep, studentNegatives } from '../../../src/distill/student/sparse-student-step.js'
import { crossEntropy } from '../../../src/distill/training/losses.js'
import { trainingPositions } from '../../../src/distill/training/training-positions.js'
import { TeacherTargets } from '../../../src/distill/targets/teacher-targets.js'
import { Student, STUDENT_FAMILIES } from '../../../src/models/student.js'
import { padWindows } from '../../../src/models/windows.js'
import { AdjustableAdam } from '../../../src/tf/adam.js'
import { selectBackend } from '../../../src/tf/backend.js'

const NUM_ITEMS = 30
const split = leaveOneOut(buildDataset(generateSynthetic({ users: 80, items: NUM_ITEMS, meanLength: 12, seed: 5 })))
const train = split.train

function assertClose (actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`)
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`)
  }
}

/** Every item once as a negative: the sampled softmax (target masked among them, uniform log-Q) is then the full one. */
class AllNegatives extends SparseStudentTables {
  override drawNegatives (): Int32Array {
    return Int32Array.from({ length: NUM_ITEMS }, (_, i) => i)
  }
}

describe('student training with sparse item tables', () => {
  before(async () => { await selectBackend() })

  for (const family of STUDENT_FAMILIES) {
    it(`reaches the weights of dense full-softmax training when every item is a negative of every step (${family})`, () => {
      const config = { family, numItems: NUM_ITEMS, dim: 8, window: 5, seed: 2, dense: true, itemBias: true }
      const dense = new Student(config)
      const sparse = new Student(config)
      const positions = trainingPositions(train)
      const batches = Array.from({ length: 12 }, (_, s) => Int32Array.from({ length: 32 }, (_, i) => (s * 32 + i) % positions.users.length))
      const batchOf = (batch: Int32Array): { histories: Int32Array[], next: Int32Array } => ({
        histories: Array.from(batch, p => train[positions.users[p]].subarray(Math.max(0, positions.ends[p] - config.window), positions.ends[p])),
        next: Int32Array.from(batch, p => train[positions.users[p]][positions.ends[p]])
      })
      const tensors = tf.memory().numTensors
      const denseAdam = new AdjustableAdam(0.01)
      for (const batch of batches) {
        const { histories, next } = batchOf(batch)
        tf.tidy(() => {
          const ids = tf.tensor2d(padWindows(histories, config.window, dense.padId), [histories.length, config.window], 'int32')
          denseAdam.minimize(() => crossEntropy(dense.scores(dense.encode(ids)), tf.tensor1d(next, 'int32')), false, Object.values(dense.weights()))
        })
      }
      denseAdam.dispose()
      const sparseAdam = new AdjustableAdam(0.01)
      const tables = new AllNegatives(sparse, train, NUM_ITEMS)
      for (const batch of batches) {
        const { histories, next } = batchOf(batch)
        sparseStudentStep(tables, { histories, nextItems: next, topN: 0 }, { losses: { task: { weight: 1 } }, teacherWeight: 1, optimizer: sparseAdam, learningRate: 0.01, rng: new Random(1) }).dispose()
      }
      tables.sync()
      tables.dispose()
      sparseAdam.dispose()
      assert.equal(tf.memory().numTensors, tensors)
      const want = dense.weights()
      for (const [name, v] of Object.entries(sparse.weights())) assertClose(v.dataSync(), want[name].dataSync(), 2e-3, name)
      dense.dispose()
      sparse.dispose()
    })
  }

  it('trains on sampled negatives with kd, ranking and hint, leaving rows no step touched as they were', () => {
    // items 20..29 never occur in these sequences nor in the teacher's support
    const rng = new Random(3)
    const seqs = Array.from({ length: 60 }, () => Int32Array.from({ length: 10 }, () => rng.int(20)))
    const positions = trainingPositions(seqs)
    const topN = 6
    const targets = new TeacherTargets(positions, topN,
      Int32Array.from({ length: positions.users.length * topN }, () => rng.int(20)),
      Float32Array.from({ length: positions.users.length * topN }, () => rng.next()),
      Float32Array.from({ length: NUM_ITEMS * 4 }, () => rng.normal()), 4)
    const student = new Student({ numItems: NUM_ITEMS, dim: 8, window: 5, seed: 2 })
    const before = student.weights().items.arraySync() as number[][]
    const tensors = tf.memory().numTensors
    const report = distillStudent(student, seqs, {
      epochs: 2,
      batchSize: 32,
      learningRate: 0.01,
      seed: 1,
      progress: false,
      targets,
      negatives: 2,
      losses: { task: { weight: 1 }, kd: { weight: 1, temperature: 1, normalise: 'support' }, ranking: { weight: 1, k: 3 }, hint: { weight: 1 } }
    })
    assert.equal(tf.memory().numTensors, tensors)
    for (const e of report.epochs) for (const value of [e.loss, ...Object.values(e.terms ?? {})]) assert.ok(Number.isFinite(value))
    assert.ok(report.epochs[1].loss < report.epochs[0].loss, 'the loss goes down')
    const after = student.weights().items.arraySync() as number[][]
    const moved = after.map((row, id) => row.some((v, j) => v !== before[id][j]))
    for (let id = 0; id < 20; id++) assert.ok(moved[id], `item ${id} occurs in the data and moved`)
    assert.ok(moved.slice(20, NUM_ITEMS).some((m) => !m), 'items outside the data that no step drew kept their values')
    student.dispose()
  })

  it('refuses kd normalised on the full catalogue, which sampled negatives cannot give', () => {
    const student = new Student({ numItems: NUM_ITEMS, dim: 4, window: 3, seed: 2 })
    const positions = trainingPositions(train)
    const targets = new TeacherTargets(positions, 2, new Int32Array(positions.users.length * 2), new Float32Array(positions.users.length * 2))
    assert.throws(() => distillStudent(student, train, { epochs: 1, batchSize: 32, learningRate: 0.01, seed: 1, progress: false, targets, negatives: 4, losses: { kd: { weight: 1, temperature: 1, normalise: 'full' } } }),
      (err: Error & { code?: string }) => err.code === 'DISTILL_OPTIONS_INVALID')
    student.dispose()
  })

  it('keeps the full softmax and dense tables up to the limit, and samples above it', () => {
    assert.equal(studentNegatives(20_000), 0)
    assert.equal(studentNegatives(20_001), 512)
    assert.equal(studentNegatives(1_000_000, 64), 64)
  })
})
