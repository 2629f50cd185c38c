import * as tf from '@tensorflow/tfjs'
import { Random } from '../../data/random.js'
import { negativeSampler } from '../training/negative-sampler.js'
import type { Teacher } from '../../models/teacher.js'
import { padWindows } from '../../models/windows.js'
import { lookupRows } from '../../tf/embedding.js'
import { matMul2d } from '../../tf/matmul.js'
import { chunkedCrossEntropy } from './chunked-cross-entropy.js'
import { crossEntropy, gbce, gbceBeta, sampledCrossEntropy } from '../training/losses.js'
import { runEpochs, type TrainLoopOptions, type TrainReport } from '../training/train-loop.js'
import { AdjustableAdam } from '../../tf/adam.js'
import type { GradientPool, StepLoss, Window } from './gradient-pool.js'
import { TRAINING_DEFAULTS } from '../training-defaults.js'
import { SparseEmbedding, type RowSource } from '../../tf/sparse-embedding.js'

/**
 * `full`: softmax over every item. `sampled`: `negatives` items per batch drawn with probability
 * ∝ (count + 1)^popularityPower over the train sequences (default 0: uniform), with the log-Q
 * correction. On ML-100K (3 epochs) full reached valid NDCG@10 0.069, uniform sampled 0.043,
 * power 0.75 0.044 and power 1 0.048: sampled costs less per position but learns slower per epoch.
 * `gbce`: gSASRec's calibrated binary cross-entropy over uniform negatives shared by the batch.
 */
export type TeacherLoss = { kind: 'full', chunkRows?: number } | { kind: 'sampled', negatives: number, popularityPower?: number } | GbceLoss

/**
 * gBCE (gSASRec): binary cross-entropy on the target and `negatives` uniform items shared by the
 * batch, the positive's probability raised to β from the `calibration` t (default 0.75, the
 * paper's choice; see `gbceBeta`).
 */
export interface GbceLoss { kind: 'gbce', negatives: number, calibration?: number }

export const GBCE_CALIBRATION = 0.75

/**
 * The loss a teacher trains with when the run does not choose one (the worker, tune's first
 * trial): the full softmax on catalogues up to TRAINING_DEFAULTS.teacher.fullSoftmaxItems, the
 * sampled softmax over its `negatives` above.
 */
export function teacherLossFor (numItems: number): TeacherLoss {
  const { fullSoftmaxItems, negatives } = TRAINING_DEFAULTS.teacher
  return numItems <= fullSoftmaxItems ? { kind: 'full' } : { kind: 'sampled', negatives }
}

/** Whether a run trains the item table sparsely: as asked, else for the sampled losses (see TrainTeacherOptions.sparseItems). */
export function sparseItemsFor (options: Pick<TrainTeacherOptions, 'loss' | 'sparseItems'>): boolean {
  return options.sparseItems ?? options.loss.kind !== 'full'
}

/** Negatives a batch shares under `loss` (0 for the full softmax). */
export function lossNegatives (loss: TeacherLoss): number {
  return loss.kind === 'full' ? 0 : loss.negatives
}

/**
 * Logits a full-softmax step holds at once (64 MB of float32): a batch with more positions x items
 * is computed `chunkRows` positions at a time (chunkedCrossEntropy), so memory stays bounded on
 * large catalogues; below it the one-pass loss is faster.
 */
const MAX_LOGITS = 2 ** 24

export interface TrainTeacherOptions extends TrainLoopOptions {
  /** Cross-entropy over every item, or a sampled softmax or gBCE over negatives shared by the batch. */
  loss: TeacherLoss
  /**
   * Windows kept per user, latest first (default all): 1 trains on each user's last maxLen
   * items only, as the original SASRec does, for fewer positions per epoch on long histories.
   */
  windowsPerUser?: number
  /** Gradient threads sharing each step (data parallel); the main thread alone when absent. */
  pool?: GradientPool
  /**
   * Train the item table with sparse row gradients and lazy Adam (only the rows a step touches
   * are read and updated: step cost independent of the catalogue). Default: on for the sampled
   * losses, off (dense Adam) for the full softmax, which reads every row anyway.
   */
  sparseItems?: boolean
}

/** Batches of similar lengths (less padding) in an order that changes every epoch. */
const BUCKET = 16

/**
 * The teacher's next-item loss on some windows of a batch, as a function of its weights (for
 * `minimize` or `variableGrads`), and how many positions it averages over. Call inside tf.tidy.
 * With `sparse` (the item table's sparse twin, sampled losses only), the loss reads the rows the
 * windows, targets and negatives touch from `gathered` (see SparseEmbedding) instead of the
 * whole table: the gradient for the items is that variable's.
 */
export function windowsLoss (teacher: Teacher, train: readonly Int32Array[], batch: readonly Window[], step: StepLoss,
  nextSeed: () => number, sparse?: RowSource): { rows: number, loss: () => tf.Scalar, gathered?: tf.Variable } {
  const { dim } = teacher.config
  const len = Math.max(...batch.map(w => w.stop - w.start))
  const inputs = padWindows(batch.map(w => train[w.user].subarray(w.start, w.stop)), len, teacher.padId)
  const targets = padWindows(batch.map(w => train[w.user].subarray(w.start + 1, w.stop + 1)), len, teacher.padId)
  const rows: number[] = []
  const rowTargets: number[] = []
  for (let i = 0; i < targets.length; i++) {
    if (targets[i] !== teacher.padId) {
      rows.push(i)
      rowTargets.push(targets[i])
    }
  }
  if (sparse !== undefined && step.negatives === undefined) throw new RangeError('sparse item gradients need a sampled loss (negatives)')
  const at = sparse === undefined ? undefined : { inputs: sparse.index.map(inputs), targets: sparse.index.map(rowTargets), negatives: sparse.index.map(step.negatives!) }
  const gathered = sparse?.gather()
  const ids = tf.tensor2d(inputs, [batch.length, len], 'int32')
  const gatheredIds = at === undefined ? undefined : tf.tensor2d(at.inputs, [batch.length, len], 'int32')
  const rowIds = tf.tensor1d(rows, 'int32')
  const target = tf.tensor1d(at?.targets ?? rowTargets, 'int32')
  const negativeIds = step.negatives ? tf.tensor1d(at?.negatives ?? step.negatives, 'int32') : undefined
  const logQ = step.logQ === undefined ? undefined : tf.tensor1d(sparse === undefined ? step.logQ : rowsLogQ(sparse.index.unique(), step.logQ))
  return {
    rows: rows.length,
    gathered,
    loss: () => {
      const h = gathered === undefined ? teacher.hidden(ids, nextSeed) : teacher.hidden(ids, nextSeed, { table: gathered as tf.Tensor as tf.Tensor2D, ids: gatheredIds! })
      const flat = tf.reshape(h, [batch.length * len, dim])
      const hidden = lookupRows(flat, rowIds) as tf.Tensor2D
      const items = gathered === undefined ? teacher.itemEmbeddings() : gathered as tf.Tensor as tf.Tensor2D
      if (negativeIds && step.beta !== undefined) return gbce(hidden, items, target, negativeIds, step.beta)
      if (negativeIds) return sampledCrossEntropy(hidden, items, target, negativeIds, logQ)
      return rows.length <= step.chunkRows
        ? crossEntropy(matMul2d(hidden, items, false, true), target)
        : chunkedCrossEntropy(hidden, items, target, step.chunkRows)
    }
  }
}

/** logQ of each gathered row's item (0 for the padding row, which is never a target or a negative). */
function rowsLogQ (ids: Int32Array, logQ: Float32Array): Float32Array {
  return Float32Array.from(ids, id => id < logQ.length ? logQ[id] : 0)
}

/**
 * Next-item training of the teacher on every position of every train sequence (SASRec):
 * input items [start, stop), targets [start+1, stop+1). Adam (beta2 0.98 as in SASRec).
 * With a `pool` of gradient threads, each step's batch is split among them and the main thread
 * (data parallel): their gradients, weighted by positions, are averaged and applied here.
 */
export function trainTeacher (teacher: Teacher, train: readonly Int32Array[], options: TrainTeacherOptions): TrainReport {
  const { maxLen } = teacher.config
  const numItems = teacher.numItems
  const windows: Window[] = []
  const perUser = options.windowsPerUser ?? Infinity
  train.forEach((s, user) => {
    let kept = 0
    for (let stop = s.length - 1; stop > 0 && kept < perUser; stop -= maxLen, kept++) {
      windows.push({ user, start: Math.max(0, stop - maxLen), stop })
    }
  })
  const rng = new Random(options.seed)
  const loss = options.loss
  const sampler = loss.kind === 'full' ? undefined : negativeSampler(train, numItems, loss.negatives, loss.kind === 'sampled' ? loss.popularityPower ?? 0 : 0)
  const beta = loss.kind === 'gbce' ? gbceBeta(loss.negatives, numItems, loss.calibration ?? GBCE_CALIBRATION) : undefined
  const chunkRows = loss.kind === 'full' ? loss.chunkRows ?? Math.max(1, Math.floor(MAX_LOGITS / numItems)) : Infinity
  const nextSeed = (): number => rng.int(2 ** 31)
  const optimizer = new AdjustableAdam(options.learningRate, 0.9, 0.98)
  const named = teacher.weights()
  const variables = Object.values(named)
  const pool = options.pool
  if (sparseItemsFor(options) && loss.kind === 'full') throw new RangeError('sparse item gradients need a sampled loss (sampled or gbce)')
  const sparse = sparseItemsFor(options) ? new SparseEmbedding(named.items, { beta1: 0.9, beta2: 0.98 }) : undefined
  const denseVariables = variables.filter(v => v !== named.items)
  let rate = options.learningRate
  try {
    return runEpochs(teacher, 'teacher', options, (epoch, onStep, learningRate) => {
      rate = learningRate
      optimizer.setLearningRate(learningRate)
      const batches = bucketBatches(windows, options.batchSize, rng)
      let lossSum = 0
      let positions = 0
      batches.forEach((batch, step) => {
        const negatives = sampler ? Int32Array.from({ length: sampler.count }, () => rng.choiceWeighted(sampler.cdf)) : undefined
        const stepLoss: StepLoss = beta === undefined ? { negatives, logQ: sampler?.logQ, chunkRows } : { negatives, beta, chunkRows }
        let value: number
        let rows: number
        if (sparse !== undefined && pool === undefined) {
          ({ loss: value, rows } = sparseStep(teacher, train, batch, stepLoss, nextSeed, sparse, optimizer, denseVariables, rate))
        } else if (pool === undefined) {
          const loss = tf.tidy(() => {
            const share = windowsLoss(teacher, train, batch, stepLoss, nextSeed)
            rows = share.rows
            return optimizer.minimize(share.loss, true, variables)!
          })
          value = loss.dataSync()[0]
          loss.dispose()
        } else {
          ({ loss: value, rows } = pool.step(optimizer, batch, stepLoss, nextSeed(), sparse === undefined ? undefined : { embedding: sparse, learningRate: rate }))
        }
        lossSum += value * rows!
        positions += rows!
        onStep(step + 1, batches.length, lossSum / positions)
      })
      sparse?.syncTo(named.items)
      return { loss: lossSum / Math.max(1, positions), positions }
    })
  } finally {
    optimizer.dispose()
    sparse?.dispose()
  }
}

/** One step on the main thread with sparse item gradients: dense weights by `optimizer`, item rows by lazy Adam. */
function sparseStep (teacher: Teacher, train: readonly Int32Array[], batch: readonly Window[], stepLoss: StepLoss, nextSeed: () => number,
  sparse: SparseEmbedding, optimizer: tf.Optimizer, denseVariables: tf.Variable[], learningRate: number): { loss: number, rows: number } {
  let rows = 0
  const loss = tf.tidy(() => {
    const share = windowsLoss(teacher, train, batch, stepLoss, nextSeed, sparse)
    rows = share.rows
    const gathered = share.gathered!
    const { value, grads } = tf.variableGrads(share.loss, [...denseVariables, gathered])
    const { [gathered.name]: rowGrad, ...dense } = grads
    optimizer.applyGradients(dense)
    sparse.update(rowGrad, learningRate)
    return value
  })
  const value = loss.dataSync()[0]
  loss.dispose()
  return { loss: value, rows }
}

function bucketBatches (windows: readonly Window[], batchSize: number, rng: Random): Window[][] {
  const shuffled = rng.shuffle(windows.slice())
  const batches: Window[][] = []
  const span = batchSize * BUCKET
  for (let b = 0; b < shuffled.length; b += span) {
    const bucket = shuffled.slice(b, b + span).sort((x, y) => (x.stop - x.start) - (y.stop - y.start))
    for (let i = 0; i < bucket.length; i += batchSize) batches.push(bucket.slice(i, i + batchSize))
  }
  return rng.shuffle(batches)
}
