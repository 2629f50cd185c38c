import * as tf from '@tensorflow/tfjs'
import { lookupColumns, lookupRows } from '../../tf/embedding.js'
import { matMul2d } from '../../tf/matmul.js'

/**
 * Training losses, each a pure function of tensors returning a scalar (mean over positions).
 * Callers run them inside `tf.tidy` or an optimizer's `minimize`.
 */

const NEG = -1e9

/** Cross-entropy of the true next item over every item: mean of -log softmax(logits)[target]. */
export function crossEntropy (logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => softmaxCrossEntropy(logits, tf.oneHot(targets, logits.shape[1]) as tf.Tensor2D))
}

/**
 * Mean cross-entropy against one-hot rows with one exp pass: the softmax computed forward is
 * reused by the gradient ((p - onehot) / P). Exp dominates on wasm at catalogue width, and
 * `tf.logSoftmax` computes it twice. A target probability below 1e-30 counts as 1e-30 in the value
 * (the gradient is exact).
 */
const softmaxCrossEntropy = tf.customGrad(((logits: tf.Tensor2D, oneHot: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const probs = tf.softmax(logits)
  save([probs, oneHot])
  const picked = tf.sum(tf.mul(probs, oneHot), 1)
  return {
    value: tf.neg(tf.mean(tf.log(tf.maximum(picked, 1e-30)))),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [p, y] = saved
      const scale = tf.div(dy as tf.Tensor, p.shape[0] as number)
      return [tf.mul(tf.sub(p, y), scale), tf.zerosLike(y)]
    }
  }
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (logits: tf.Tensor2D, oneHot: tf.Tensor2D) => tf.Scalar

/**
 * Sampled softmax with negatives shared by every position: the softmax runs over the target and
 * the `negatives` only. A negative equal to a position's target is masked out (accidental hit).
 * With negatives drawn from a distribution q, pass `logQ` [M] (log of each item's expected count
 * in the sample, log(S·q)): it is subtracted from every logit, which makes the sampled softmax an
 * unbiased stand-in for the full one (Jean et al. 2015). Uniform negatives need no correction.
 * `hidden` [P, d], `items` [M, d], `targets` int32 [P], `negatives` int32 [S].
 */
export function sampledCrossEntropy (hidden: tf.Tensor2D, items: tf.Tensor2D, targets: tf.Tensor1D, negatives: tf.Tensor1D,
  logQ?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    let positive: tf.Tensor = tf.sum(tf.mul(hidden, lookupRows(items, targets)), 1, true)
    let negative: tf.Tensor = matMul2d(hidden, lookupRows(items, negatives) as tf.Tensor2D, false, true)
    if (logQ) {
      positive = tf.sub(positive, tf.expandDims(tf.gatherND(logQ, tf.expandDims(targets, 1)), 1))
      negative = tf.sub(negative, tf.expandDims(tf.gatherND(logQ, tf.expandDims(negatives, 1)), 0))
    }
    // 1 where negative == target: wasm's Equal kernel is ~40x slower than this float arithmetic
    const distance = tf.abs(tf.sub(tf.expandDims(tf.cast(targets, 'float32'), 1), tf.expandDims(tf.cast(negatives, 'float32'), 0)))
    const hits = tf.relu(tf.sub(1, distance))
    const logits = tf.concat([positive, tf.add(negative, tf.mul(hits, NEG))], 1) as tf.Tensor2D
    return softmaxCrossEntropy(logits, tf.oneHot(tf.zeros([logits.shape[0]], 'int32') as tf.Tensor1D, logits.shape[1]) as tf.Tensor2D)
  })
}

/**
 * gBCE (Petrov and Macdonald, RecSys 2023, gSASRec): binary cross-entropy over the target and
 * the `negatives` shared by every position, with the positive's probability raised to `beta`:
 * per position (beta·softplus(-s⁺) + Σ softplus(s⁻)) / (S + 1). Sampling negatives makes plain BCE
 * (beta 1) overconfident; beta = 1 - t(1 - α), with α = S / (items - 1) the sampling rate and
 * t ∈ [0, 1] the calibration, undoes that (t = 1: calibrated, t = 0: plain BCE); see `gbceBeta`.
 * A negative equal to a position's target is left out (accidental hit).
 * `hidden` [P, d], `items` [M, d], `targets` int32 [P], `negatives` int32 [S].
 */
export function gbce (hidden: tf.Tensor2D, items: tf.Tensor2D, targets: tf.Tensor1D, negatives: tf.Tensor1D, beta: number): tf.Scalar {
  return tf.tidy(() => {
    const positive = tf.sum(tf.mul(hidden, lookupRows(items, targets)), 1)
    const negative = matMul2d(hidden, lookupRows(items, negatives) as tf.Tensor2D, false, true)
    const distance = tf.abs(tf.sub(tf.expandDims(tf.cast(targets, 'float32'), 1), tf.expandDims(tf.cast(negatives, 'float32'), 0)))
    const misses = tf.sub(1, tf.relu(tf.sub(1, distance)))
    const perPosition = tf.add(tf.mul(tf.softplus(tf.neg(positive)), beta), tf.sum(tf.mul(tf.softplus(negative), misses), 1))
    return tf.div(tf.mean(perPosition), negatives.shape[0] + 1) as tf.Scalar
  })
}

/** gBCE's exponent for `negatives` drawn from `numItems` items at calibration `t`: 1 - t(1 - α), α = negatives / (numItems - 1). */
export function gbceBeta (negatives: number, numItems: number, t: number): number {
  if (!(t >= 0 && t <= 1)) throw new RangeError(`gBCE calibration t must be in [0, 1], got ${t}`)
  const alpha = Math.min(1, negatives / Math.max(1, numItems - 1))
  return 1 - t * (1 - alpha)
}

/**
 * Hinton's soft-target loss: T² · mean over positions of KL(softmax(teacher/T) || softmax(student/T)),
 * both over the same columns. Columns may be the whole catalogue or a teacher's top-N support.
 * `rows` masks positions the teacher does not cover (see `meanOverRows`).
 */
export function softTargetKl (studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number, rows?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const teacherLog = tf.logSoftmax(tf.div(teacherLogits, temperature))
    const studentLog = tf.logSoftmax(tf.div(studentLogits, temperature))
    const kl = tf.sum(tf.mul(tf.exp(teacherLog), tf.sub(teacherLog, studentLog)), 1)
    return tf.mul(meanOverRows(kl, rows), temperature * temperature) as tf.Scalar
  })
}

/**
 * Soft-target loss over a teacher's top-N support: the teacher's distribution is renormalised on
 * its N items (the mass it puts elsewhere is dropped: the approximation), and the student's
 * log-probabilities come either from its full-catalogue softmax (`'full'`: also pushes the other
 * items down) or renormalised on the same N items (`'support'`: a pure KL on N columns).
 * `studentLogits` [P, M], `support` int32 [P, N], `teacherLogits` [P, N].
 */
export function supportKl (studentLogits: tf.Tensor2D, support: tf.Tensor2D, teacherLogits: tf.Tensor2D,
  temperature: number, normalise: 'full' | 'support' = 'full', rows?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const studentOnSupport = lookupColumns(studentLogits, support)
    if (normalise === 'support') return softTargetKl(studentOnSupport, teacherLogits, temperature, rows)
    const teacherLog = tf.logSoftmax(tf.div(teacherLogits, temperature))
    const logZ = rowLogSumExp(tf.div(studentLogits, temperature) as tf.Tensor2D)
    const studentLog = tf.sub(tf.div(studentOnSupport, temperature), logZ)
    const kl = tf.sum(tf.mul(tf.exp(teacherLog), tf.sub(teacherLog, studentLog)), 1)
    return tf.mul(meanOverRows(kl, rows), temperature * temperature) as tf.Scalar
  })
}

/**
 * Ranking distillation (Tang & Wang, KDD 2018): the teacher's top-K items are treated as positives,
 * -log σ(student score) weighted by rank. `studentScores` [P, K] are the student's scores of the
 * teacher's top-K (best first); `weights` [K] come from `rankWeights`. The paper's dynamic
 * (student-rank) weights are left out: only the static position weights are used.
 */
export function rankingDistillation (studentScores: tf.Tensor2D, weights: tf.Tensor1D, rows?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const perItem = tf.softplus(tf.neg(studentScores))
    return meanOverRows(tf.sum(tf.mul(perItem, weights), 1), rows)
  })
}

/**
 * Mean over a batch's positions of a per-position loss; with `rows` (1 where the teacher covers the
 * position, 0 where it does not), uncovered positions add 0 but still count, so a covered
 * position weighs as much against the task loss as in a fully covered batch.
 */
function meanOverRows (perRow: tf.Tensor, rows?: tf.Tensor1D): tf.Scalar {
  return (rows === undefined ? tf.mean(perRow) : tf.mean(tf.mul(perRow, rows))) as tf.Scalar
}

/**
 * log Σ exp(x) per row, [P, 1], as max(x) - log(max softmax(x)) (the largest probability is at
 * least 1/M, so nothing underflows). On wasm the Softmax kernel is far faster than Exp, and
 * `tf.logSumExp`'s gradient goes through an Equal mask that wasm runs ~40x slower than this.
 */
const rowLogSumExp = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const probs = tf.softmax(x)
  save([probs])
  return {
    value: tf.sub(tf.max(x, 1, true), tf.log(tf.max(probs, 1, true))),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [tf.mul(dy as tf.Tensor, saved[0])]
  }
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D) => tf.Tensor2D

/** Weights for ranks 0..k-1, w_r ∝ exp(-r / lambda), summing to 1 (lambda: decay in ranks). */
export function rankWeights (k: number, lambda: number): Float32Array {
  const w = new Float32Array(k)
  let sum = 0
  for (let r = 0; r < k; r++) sum += (w[r] = Math.exp(-r / lambda))
  for (let r = 0; r < k; r++) w[r] /= sum
  return w
}

/**
 * Hint loss: the student's item embeddings [M, ds] mapped by a learned projection [ds, dt]
 * regressed onto the teacher's item embeddings [M, dt]; mean squared error per element.
 */
export function hintLoss (studentItems: tf.Tensor2D, projection: tf.Tensor2D, teacherItems: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(matMul2d(studentItems, projection), teacherItems)) as tf.Scalar)
}
