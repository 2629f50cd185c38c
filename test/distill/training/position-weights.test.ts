import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { Random } from '../../../src/data/random.js'
import { distillStudent } from '../../../src/distill/student/distill-student.js'
import type { DistillLosses } from '../../../src/distill/student/distill-losses.js'
import { TeacherTargets } from '../../../src/distill/targets/teacher-targets.js'
import { positionWeights } from '../../../src/distill/training/position-weights.js'
import { trainingPositions } from '../../../src/distill/training/training-positions.js'
import { Student } from '../../../src/models/student.js'
import { selectBackend } from '../../../src/tf/backend.js'

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-5, `${what}: ${a} vs ${b}`)
const mean = (xs: ArrayLike<number>): number => Array.from(xs).reduce((s, x) => s + x, 0) / xs.length

// three positions, top-3 each: a confident teacher, a flat one, one in between
const ITEMS = Int32Array.from([4, 5, 6, 4, 5, 6, 7, 8, 9])
const LOGITS = Float32Array.from([10, 0, 0, 1, 1, 1, 2, 1, 0])

describe('positionWeights', () => {
  it('leaves uniform weighting to the covered mask (none when every position is covered)', () => {
    assert.equal(positionWeights({ topN: 3, items: ITEMS, logits: LOGITS }, 'uniform'), undefined)
    assert.deepEqual(Array.from(positionWeights({ topN: 3, items: ITEMS, logits: LOGITS, covered: Uint8Array.from([1, 0, 1]) }, 'uniform')!), [1, 0, 1])
  })

  it('weighs by 1 - normalised entropy: a confident teacher most, a flat one not at all, mean 1', () => {
    const w = positionWeights({ topN: 3, items: ITEMS, logits: LOGITS }, 'confidence')!
    assert.ok(w[0] > w[2] && w[2] > 0, `confident ${w[0]} > middling ${w[2]} > 0`)
    close(w[1], 0, 'flat')
    close(mean(w), 1, 'mean')
    // raw certainties before scaling: 1 - H/log 3
    const p = [Math.exp(2), Math.exp(1), 1].map((e, _, a) => e / (Math.exp(2) + Math.exp(1) + 1))
    const c2 = 1 + p.reduce((s, q) => s + q * Math.log(q), 0) / Math.log(3)
    const q0 = 1 / (1 + 2 * Math.exp(-10))
    const r0 = (1 - q0) / 2
    const c0 = 1 + (q0 * Math.log(q0) + 2 * r0 * Math.log(r0)) / Math.log(3)
    close(w[0] / w[2], c0 / c2, 'ratio of certainties')
  })

  it('weighs by the probability of the true next item, 0 where the top-N misses it, and skips uncovered positions', () => {
    const covered = Uint8Array.from([1, 1, 0])
    const w = positionWeights({ topN: 3, items: ITEMS, logits: LOGITS, covered }, 'target', Int32Array.from([5, 5, 9]))!
    const p0 = Math.exp(-10) / (1 + 2 * Math.exp(-10))
    close(w[0] / w[1], p0 / (1 / 3), 'ratio of target probabilities')
    assert.equal(w[2], 0, 'uncovered')
    close((w[0] + w[1]) / 2, 1, 'mean over covered positions')
    const missed = positionWeights({ topN: 3, items: ITEMS, logits: LOGITS }, 'target', Int32Array.from([1, 2, 3]))!
    assert.deepEqual(Array.from(missed), [0, 0, 0], 'a teacher that is never right teaches nothing')
    assert.throws(() => positionWeights({ topN: 3, items: ITEMS, logits: LOGITS }, 'target'), RangeError)
  })

  it('gives a padded (-Infinity) logit no mass', () => {
    const w = positionWeights({ topN: 2, items: Int32Array.from([1, 2, 1, 2]), logits: Float32Array.from([3, -Infinity, 0, 0]) }, 'confidence')!
    close(w[1], 0, 'flat')
    close(w[0], 2, 'one-hot')
  })
})

describe('position weighting in training', () => {
  before(async () => { await selectBackend() })

  // a teacher whose top-N never holds the true next item: under target weighting it teaches nothing
  const rng = new Random(7)
  const seqs = Array.from({ length: 40 }, () => Int32Array.from({ length: 8 }, () => rng.int(10)))
  const positions = trainingPositions(seqs)
  const topN = 4
  // items 10-19 never occur
  const wrong = new TeacherTargets(positions, topN,
    Int32Array.from({ length: positions.users.length * topN }, () => 10 + rng.int(10)),
    Float32Array.from({ length: positions.users.length * topN }, () => rng.normal()))

  for (const negatives of [0, 3]) {
    // (the sparse path's lazy Adam moves every row a step touches, so the teacher's losses stay on, at weight 0, in the reference run)
    it(`trains exactly as with the teacher's losses weighted 0 when the teacher is never right, on the ${negatives === 0 ? 'dense' : 'sparse'} path`, () => {
      const train = (losses: DistillLosses): Record<string, number[]> => {
        const student = new Student({ family: 'last-item', numItems: 20, dim: 4, window: 3, seed: 2 })
        distillStudent(student, seqs, { epochs: 2, batchSize: 16, learningRate: 0.01, seed: 1, progress: false, negatives, losses, targets: wrong })
        const weights = Object.fromEntries(Object.entries(student.weights()).map(([k, v]) => [k, Array.from(v.dataSync())]))
        student.dispose()
        return weights
      }
      const tensors = tf.memory().numTensors
      const alone = train({ task: { weight: 1 }, kd: { weight: 0, temperature: 2, normalise: 'support' }, ranking: { weight: 0, k: 2 } })
      const targetWeighted = train({ task: { weight: 1 }, kd: { weight: 1, temperature: 2, normalise: 'support', weighting: 'target' }, ranking: { weight: 1, k: 2, weighting: 'target' } })
      const uniform = train({ task: { weight: 1 }, kd: { weight: 1, temperature: 2, normalise: 'support' }, ranking: { weight: 1, k: 2 } })
      assert.equal(tf.memory().numTensors, tensors)
      assert.deepEqual(targetWeighted, alone)
      assert.notDeepEqual(uniform, alone, 'uniform weighting does distil from it')
    })
  }
})
