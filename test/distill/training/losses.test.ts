import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../../../src/tf/backend.js'
import {
  crossEntropy, gbce, gbceBeta, hintLoss, rankingDistillation, rankWeights, sampledCrossEntropy, softTargetKl, supportKl
} from '../../../src/distill/training/losses.js'

const close = (actual: number, expected: number, eps = 1e-5): void => {
  assert.ok(Math.abs(actual - expected) < eps, `${actual} is not within ${eps} of ${expected}`)
}

/** Value of a loss and its gradient with respect to `x`, every tensor released. */
function valueAndGrad (x: number[][], loss: (x: tf.Tensor2D) => tf.Scalar): { value: number, grad: number[][] } {
  return tf.tidy(() => {
    const input = tf.tensor2d(x)
    const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => loss(t as tf.Tensor2D))(input)
    return { value: value.dataSync()[0], grad: grad.arraySync() as number[][] }
  })
}

describe('distillation losses', () => {
  before(async () => { await selectBackend() })

  it('crossEntropy is the mean of -log p(target)', () => {
    const targets = tf.tensor1d([0, 1], 'int32')
    // rows: uniform over 2 items, then p = (3/4, 1/4) with target 1
    const { value, grad } = valueAndGrad([[0, 0], [Math.log(3), 0]], x => crossEntropy(x, targets))
    close(value, (Math.log(2) + Math.log(4)) / 2)
    assert.ok(grad[0][0] < 0 && grad[0][1] > 0, 'raises the target logit, lowers the other')
    close(grad[1][1], (0.25 - 1) / 2)
    targets.dispose()
  })

  it('sampledCrossEntropy softmaxes over target and negatives, masking a negative equal to the target', () => {
    const before = tf.memory().numTensors
    const value = tf.tidy(() => sampledCrossEntropy(
      tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 0], [0, 1], [2, 0]]), tf.tensor1d([0], 'int32'), tf.tensor1d([1, 0], 'int32')
    ).dataSync()[0])
    // positive logit 1, negative item 1 logit 0, negative item 0 is the target and is masked
    close(value, Math.log(1 + Math.exp(-1)))
    assert.equal(tf.memory().numTensors, before)
  })

  it('sampledCrossEntropy subtracts each item\'s log expected count when given logQ', () => {
    const value = tf.tidy(() => sampledCrossEntropy(
      tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 0], [0, 1], [2, 0]]), tf.tensor1d([0], 'int32'), tf.tensor1d([1, 2], 'int32'),
      tf.tensor1d([Math.log(0.5), Math.log(2), 0])
    ).dataSync()[0])
    // corrected logits: target 1 - log 0.5, item 1: 0 - log 2, item 2: 2 - 0
    const logits = [1 - Math.log(0.5), -Math.log(2), 2]
    close(value, Math.log(logits.reduce((s, l) => s + Math.exp(l), 0)) - logits[0])
  })

  it('gbce is (β·softplus(-s⁺) + Σ softplus(s⁻)) / (S + 1) per position, leaving out a negative equal to the target', () => {
    const softplus = (x: number): number => Math.log(1 + Math.exp(x))
    const before = tf.memory().numTensors
    // hidden [2, 2], items 0..2; position 0 targets item 0, position 1 item 1; negatives items 1 and 0
    const hidden = [[1, 0], [0.5, -1]]
    const items = [[1, 0], [0, 1], [2, 0]]
    const beta = 0.3
    const { value, grad } = valueAndGrad(hidden, h => gbce(h, tf.tensor2d(items), tf.tensor1d([0, 1], 'int32'), tf.tensor1d([1, 0], 'int32'), beta))
    // position 0: s⁺ = 1, negative item 1 scores 0, item 0 is its target (left out)
    // position 1: s⁺ = -1, negative item 0 scores 0.5, item 1 is its target (left out)
    const expected = ((beta * softplus(-1) + softplus(0)) + (beta * softplus(1) + softplus(0.5))) / 2 / 3
    close(value, expected)
    assert.ok(grad[0][0] < 0, 'raises the target\'s score at position 0')
    assert.equal(tf.memory().numTensors, before)
  })

  it('gbce with β = 1 is plain binary cross-entropy, and a smaller β weighs the positive less', () => {
    const hidden = [[0.2, -0.4]]
    const args = (): [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D] => [tf.tensor2d([[1, 2], [-1, 0.5], [0.3, 0.3]]), tf.tensor1d([2], 'int32'), tf.tensor1d([0, 1], 'int32')]
    const bce = (h: tf.Tensor2D): tf.Scalar => tf.tidy(() => {
      const [items, target, negatives] = args()
      const pos = tf.sum(tf.mul(h, tf.gather(items, target)), 1)
      const neg = tf.matMul(h, tf.gather(items, negatives), false, true)
      const sum = tf.add(tf.neg(tf.log(tf.sigmoid(pos))), tf.sum(tf.neg(tf.log(tf.sub(1, tf.sigmoid(neg)))), 1))
      return tf.div(tf.mean(sum), 3) as tf.Scalar
    })
    const full = valueAndGrad(hidden, h => gbce(h, ...args(), 1))
    const reference = valueAndGrad(hidden, bce)
    close(full.value, reference.value)
    full.grad[0].forEach((g, i) => close(g, reference.grad[0][i]))
    assert.ok(valueAndGrad(hidden, h => gbce(h, ...args(), 0.5)).value < full.value)
  })

  it('gbceBeta runs from 1 (t = 0, plain BCE) to the sampling rate α (t = 1)', () => {
    close(gbceBeta(256, 3707, 0), 1)
    close(gbceBeta(256, 3707, 1), 256 / 3706)
    close(gbceBeta(256, 3707, 0.75), 1 - 0.75 * (1 - 256 / 3706))
    close(gbceBeta(512, 100, 0.75), 1, 1e-12) // more negatives than items: α capped at 1
    assert.throws(() => gbceBeta(256, 3707, 1.5), /calibration t must be in \[0, 1\]/)
  })

  it('softTargetKl is T² · KL(teacher || student) at temperature T', () => {
    const teacher = tf.tensor2d([[Math.log(3), 0]])
    const kl = (p: number[], q: number[]): number => p.reduce((s, pi, i) => s + pi * Math.log(pi / q[i]), 0)
    const at1 = valueAndGrad([[0, 0]], x => softTargetKl(x, teacher, 1))
    close(at1.value, kl([0.75, 0.25], [0.5, 0.5]))
    assert.ok(at1.grad[0][0] < 0, 'moves the student toward the teacher\'s favourite')
    const s = Math.sqrt(3)
    close(valueAndGrad([[0, 0]], x => softTargetKl(x, teacher, 2)).value, 4 * kl([s / (s + 1), 1 / (s + 1)], [0.5, 0.5]))
    close(valueAndGrad([[Math.log(3), 0]], x => softTargetKl(x, teacher, 2)).value, 0)
    teacher.dispose()
  })

  it('supportKl compares on the teacher\'s top-N, with the student normalised over all items or the support', () => {
    const support = tf.tensor2d([[2, 3]], [1, 2], 'int32')
    const teacher = tf.tensor2d([[Math.log(3), 0]])
    const full = valueAndGrad([[0, 0, 0, 0]], x => supportKl(x, support, teacher, 1, 'full'))
    // student gives 1/4 to each item; teacher (3/4, 1/4) on items 2 and 3
    close(full.value, 0.75 * Math.log(0.75 / 0.25) + 0.25 * Math.log(0.25 / 0.25))
    assert.ok(full.grad[0][2] < 0 && full.grad[0][0] > 0, 'raises the teacher\'s top item, lowers items off the support')
    const onSupport = valueAndGrad([[5, -5, 0, 0]], x => supportKl(x, support, teacher, 1, 'support'))
    close(onSupport.value, 0.75 * Math.log(0.75 / 0.5) + 0.25 * Math.log(0.25 / 0.5))
    assert.deepEqual([onSupport.grad[0][0], onSupport.grad[0][1]], [0, 0])
    tf.dispose([support, teacher])
  })

  it('rankingDistillation is the rank-weighted -log σ of the student\'s scores of the teacher\'s top-K', () => {
    const weights = tf.tensor1d([0.75, 0.25])
    const { value, grad } = valueAndGrad([[0, 2]], x => rankingDistillation(x, weights))
    close(value, 0.75 * Math.log(2) + 0.25 * Math.log(1 + Math.exp(-2)))
    assert.ok(grad[0][0] < 0 && grad[0][1] < 0, 'raises every top-K score')
    assert.ok(grad[0][0] < grad[0][1], 'pushes the higher-ranked item harder')
    weights.dispose()
  })

  it('the teacher losses count an uncovered position as 0 and give it no gradient, without changing a covered one\'s weight', () => {
    const support = tf.tensor2d([[2, 3], [0, 1]], [2, 2], 'int32')
    const teacher = tf.tensor2d([[Math.log(3), 0], [0, 0]])
    const rows = tf.tensor1d([1, 0])
    const x = [[0, 0, 0, 0], [1, 2, 3, 4]]
    for (const normalise of ['full', 'support'] as const) {
      const masked = valueAndGrad(x, t => supportKl(t, support, teacher, 1, normalise, rows))
      const first = tf.tidy(() => supportKl(tf.tensor2d([x[0]]), tf.slice(support, [0, 0], [1, 2]), tf.slice(teacher, [0, 0], [1, 2]), 1, normalise).dataSync()[0])
      close(masked.value, first / 2)
      assert.ok(masked.grad[1].every((g) => g === 0), `${normalise}: no gradient at the uncovered position`)
    }
    const weights = tf.tensor1d([0.5, 0.5])
    const ranking = valueAndGrad([[0, 0], [5, 5]], t => rankingDistillation(t, weights, rows))
    close(ranking.value, Math.log(2) / 2)
    assert.ok(ranking.grad[1].every((g) => g === 0))
    const unmasked = valueAndGrad([[0, 0], [5, 5]], t => rankingDistillation(t, weights, tf.onesLike(rows) as tf.Tensor1D))
    close(unmasked.value, valueAndGrad([[0, 0], [5, 5]], t => rankingDistillation(t, weights)).value)
    tf.dispose([support, teacher, rows, weights])
  })

  it('rankWeights decay exponentially with rank and sum to 1', () => {
    const w = rankWeights(3, 1)
    const z = 1 + Math.exp(-1) + Math.exp(-2)
    close(w[0], 1 / z)
    close(w[2], Math.exp(-2) / z)
    close(w.reduce((a, b) => a + b, 0), 1)
  })

  it('hintLoss is the MSE between projected student and teacher item embeddings', () => {
    const projection = tf.tensor2d([[2, 0, 0], [0, 0, 0]])
    const teacherItems = tf.tensor2d([[1, 1, 0]])
    const { value, grad } = valueAndGrad([[1, 0]], x => hintLoss(x, projection, teacherItems))
    close(value, (1 + 1 + 0) / 3)
    assert.ok(grad[0][0] > 0, 'shrinks the embedding that overshoots after projection')
    tf.dispose([projection, teacherItems])
  })
})
