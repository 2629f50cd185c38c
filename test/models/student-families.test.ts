import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { Random } from '../../src/data/random.js'
import { Student, STUDENT_FAMILIES, type StudentFamily } from '../../src/models/student.js'
import { StudentEncoder, type StudentWeightValues } from '../../src/models/student-encoder.js'
import type { StudentConfig } from '../../src/models/student-config.js'
import { selectBackend } from '../../src/tf/backend.js'
import { randomStudent } from './random-student.js'
import { servedScore } from './served-score.js'

const NUM_ITEMS = 40

/** Shapes each family is checked in (dim 6, window 5): with and without the layers it may drop, and the attention block's heads and width. */
const SHAPES: Record<StudentFamily, Array<Partial<StudentConfig>>> = {
  pooling: [{ dense: true }, { dense: false, itemBias: false }],
  'last-item': [{ dense: true }, { dense: true, itemBias: false }],
  attention: [{ dense: true }, { dense: false, heads: 2, ffnDim: 10 }, { dense: true, itemBias: false, heads: 3 }]
}

/** Histories from empty to past the window, items drawn at random (repeats included). */
function randomHistories (seed: number, count: number): Int32Array[] {
  const rng = new Random(seed)
  return Array.from({ length: count }, (_, u) => Int32Array.from({ length: u % 9 }, () => rng.int(NUM_ITEMS)))
}

/** Scores [N, numItems] through TF.js alone: windows, encode, scores (what training optimises). */
function tfScores (student: Student, histories: Int32Array[]): Float32Array[] {
  const scores = tf.tidy(() => student.scores(student.encode(student.windows(histories))))
  const flat = scores.dataSync() as Float32Array
  scores.dispose()
  return histories.map((_, u) => flat.subarray(u * NUM_ITEMS, (u + 1) * NUM_ITEMS))
}

function order (scores: Float32Array): number[] {
  return Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b)
}

function encoderOf (student: Student): { encoder: StudentEncoder, weights: StudentWeightValues } {
  const weights = Object.fromEntries(Object.entries(student.weights()).map(([name, v]) => [name, Float32Array.from(v.dataSync() as Float32Array)]))
  return { encoder: new StudentEncoder(student.config, weights as unknown as StudentWeightValues), weights: weights as unknown as StudentWeightValues }
}

describe('student families', () => {
  before(async () => { await selectBackend() })

  for (const family of STUDENT_FAMILIES) {
    for (const shape of SHAPES[family]) {
      it(`serves exactly the scores and order of its TF.js model (${family}, ${JSON.stringify(shape)})`, () => {
        const tensors = tf.memory().numTensors
        const student = randomStudent({ family, numItems: NUM_ITEMS, dim: 6, window: 5, seed: 3, ...shape })
        const histories = randomHistories(4, 60)
        const want = tfScores(student, histories)
        const got = student.scoreBatch(histories)
        histories.forEach((h, u) => {
          for (let i = 0; i < NUM_ITEMS; i++) assert.ok(Math.abs(got[u][i] - want[u][i]) <= 1e-4 * (1 + Math.abs(want[u][i])), `${family} history [${h.join(',')}] item ${i}: ${got[u][i]} vs ${want[u][i]}`)
          assert.deepEqual(order(got[u]), order(want[u]), `${family} history [${h.join(',')}]: order`)
        })
        student.dispose()
        assert.equal(tf.memory().numTensors, tensors)
      })
    }
  }

  it('reads the last item beyond its position weight only in the last-item family', () => {
    // with every position weight 0 the pool is empty: pooling answers every history alike, last-item by its last item
    const histories = [Int32Array.of(1, 2, 3), Int32Array.of(3, 2, 1), Int32Array.of(9, 9, 1)]
    for (const family of ['pooling', 'last-item'] as const) {
      const student = randomStudent({ family, numItems: NUM_ITEMS, dim: 6, window: 5, seed: 8 })
      const zeros = tf.zeros([student.config.window])
      student.loadWeights({ ...student.weights(), positionWeights: zeros })
      zeros.dispose()
      const [a, b, c] = student.userVectors(histories)
      assert.equal(a.every((v, d) => v === b[d]), family === 'pooling', `${family}: different last items`)
      assert.ok(b.every((v, d) => v === c[d]), `${family}: the same last item`)
      student.dispose()
    }
  })

  it('counts the last-item dense rows and costs', () => {
    const pooling = new Student({ numItems: 100, dim: 8, window: 5 })
    const lastItem = new Student({ family: 'last-item', numItems: 100, dim: 8, window: 5 })
    assert.equal(pooling.family, 'pooling')
    assert.equal(lastItem.family, 'last-item')
    assert.equal(lastItem.paramCount() - pooling.paramCount(), 8 * 8)
    assert.equal(lastItem.flopsPerRequest() - pooling.flopsPerRequest(), 2 * 8 * 8)
    assert.equal(lastItem.servingDim, pooling.servingDim)
    assert.equal(lastItem.itemMatrix().length, pooling.itemMatrix().length)
    pooling.dispose()
    lastItem.dispose()
  })

  it('refuses an unknown family and a last-item student without the dense layer, creating no tensors', () => {
    const tensors = tf.memory().numTensors
    assert.throws(() => new Student({ family: 'gru' as StudentFamily, numItems: 10 }), /student family "gru" is not one of pooling, last-item, attention/)
    assert.throws(() => new Student({ family: 'last-item', numItems: 10, dense: false }), /needs the dense layer/)
    assert.equal(tf.memory().numTensors, tensors)
    const student = randomStudent({ family: 'pooling', numItems: NUM_ITEMS, dim: 6, window: 5, seed: 1 })
    const { weights } = encoderOf(student)
    // a pooling student's 6 x 6 map does not fit a last-item encoder (12 x 6)
    assert.throws(() => new StudentEncoder({ ...student.config, family: 'last-item' }, weights), /denseKernel holds 36 values, expected 72/)
    student.dispose()
  })

  it('explains a last-item score exactly: the pool\'s shares plus the last item\'s own term', () => {
    const student = randomStudent({ family: 'last-item', numItems: NUM_ITEMS, dim: 6, window: 5, seed: 12 })
    const { encoder, weights } = encoderOf(student)
    const { config } = student
    const dim = config.dim
    // without the pool (position weights 0) and without the last-item rows of the map
    const noPool = { ...weights, positionWeights: new Float32Array(config.window) }
    const noLast = (w: StudentWeightValues): StudentWeightValues => {
      const kernel = Float32Array.from(w.denseKernel as Float32Array)
      kernel.fill(0, dim * dim)
      return { ...w, denseKernel: kernel }
    }
    const history = Int32Array.of(30, 31, 4, 7, 4, 9, 12, 4)
    const targets = Int32Array.of(0, 3, 4, 15, 39)
    const explained = encoder.explain(history, targets)
    const inWindow = [...new Set(history.subarray(history.length - config.window))]
    const last = history[history.length - 1]
    for (const [t, target] of targets.entries()) {
      const alone = servedScore(new StudentEncoder(config, noLast(noPool)), history, target)
      const shares = inWindow.map((kept) => {
        const only = new Float32Array(config.window)
        for (let j = 0; j < config.window; j++) if (history[history.length - config.window + j] === kept) only[j] = weights.positionWeights![j]
        let share = servedScore(new StudentEncoder(config, noLast({ ...weights, positionWeights: only })), history, target) - alone
        if (kept === last) share += servedScore(new StudentEncoder(config, noPool), history, target) - alone
        return { kept, share }
      })
      const best = shares.reduce((a, b) => (b.share > a.share ? b : a))
      assert.equal(explained[t].item, best.kept, `item ${target}: ${JSON.stringify(shares)}`)
      assert.ok(Math.abs(explained[t].contribution - best.share) <= 1e-4 * (1 + Math.abs(best.share)))
      // the shares and what the item scores alone make up the whole score
      const total = shares.reduce((sum, s) => sum + s.share, alone)
      assert.ok(Math.abs(total - servedScore(encoder, history, target)) <= 1e-4 * (1 + Math.abs(total)))
    }
    student.dispose()
  })
})
