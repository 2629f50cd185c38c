import * as tf from '@tensorflow/tfjs'
import type { Random } from '../../data/random.js'
import type { Student } from '../../models/student.js'
import { padWindows } from '../../models/windows.js'
import { lookupRows } from '../../tf/embedding.js'
import { SparseEmbedding } from '../../tf/sparse-embedding.js'
import { DistillError } from '../distill-error.js'
import { hintLoss, rankingDistillation, sampledCrossEntropy, softTargetKl } from '../training/losses.js'
import { negativeSampler, type NegativeSampler } from '../training/negative-sampler.js'
import { TRAINING_DEFAULTS } from '../training-defaults.js'
import type { DistillLosses } from './distill-losses.js'

/**
 * The student's item tables (vectors and bias) trained with sparse row gradients: a step reads
 * and updates only the rows of its windows, next items, teacher supports and sampled negatives,
 * so its cost does not grow with the catalogue. The task loss is a sampled softmax over
 * `negatives` shared by the batch with the log-Q correction; kd (normalised on the teacher's
 * support), ranking and hint read the same gathered rows (hint: over the rows the step touched).
 */
export class SparseStudentTables {
  readonly items: SparseEmbedding
  readonly bias: SparseEmbedding | undefined
  readonly sampler: NegativeSampler

  constructor (readonly student: Student, train: readonly Int32Array[], negatives: number) {
    const w = student.weights()
    this.items = new SparseEmbedding(w.items)
    this.bias = w.itemBias === undefined ? undefined : new SparseEmbedding(w.itemBias, undefined, this.items.index)
    // uniform (power 0): the log-Q correction is a constant, kept so a popularity sampler can replace it
    this.sampler = negativeSampler(train, student.numItems, negatives, 0)
  }

  /** The variables the dense optimizer keeps: every weight but the item tables. */
  denseVariables (): tf.Variable[] {
    const w = this.student.weights()
    return Object.values(w).filter((v) => v !== w.items && v !== w.itemBias)
  }

  /** The negatives one batch shares (uniform: drawn directly, no search of the catalogue-long cdf). */
  drawNegatives (rng: Random): Int32Array {
    const n = this.student.numItems
    return Int32Array.from({ length: this.sampler.count }, () => rng.int(n))
  }

  /** The tables' values into the student's variables (before validation and snapshots). */
  sync (): void {
    const w = this.student.weights()
    this.items.syncTo(w.items)
    if (this.bias !== undefined) this.bias.syncTo(w.itemBias)
  }

  dispose (): void {
    this.items.dispose()
    this.bias?.dispose()
  }
}

/**
 * Negatives a student's sampled softmax shares per batch: `asked` when given, else 0 (the full
 * softmax, dense tables) up to TRAINING_DEFAULTS.student.fullSoftmaxItems and the default above.
 */
export function studentNegatives (numItems: number, asked?: number): number {
  const { fullSoftmaxItems, negatives } = TRAINING_DEFAULTS.student
  return asked ?? (numItems <= fullSoftmaxItems ? 0 : negatives)
}

/** One step's inputs beyond the tables, as distillStudent builds them. */
export interface SparseBatch {
  histories: Int32Array[]
  nextItems: Int32Array
  /** The teacher's top-N per position, row-major [B, N], and its logits. */
  support?: Int32Array
  teacherLogits?: Float32Array
  topN: number
  /** Each position's multiplier of kd and of ranking (0 where the teacher does not cover it; see positionWeights); absent: 1. */
  kdRows?: Float32Array
  rankingRows?: Float32Array
}

export interface SparseStepContext {
  losses: DistillLosses
  /** The schedule's weight of the teacher's losses this epoch. */
  teacherWeight: number
  optimizer: tf.Optimizer
  learningRate: number
  rng: Random
  /** Dropout while training (the attention block's; see Student.encode). */
  training?: { dropout: number, nextSeed: () => number }
  rankWeights?: tf.Tensor1D
  projection?: tf.Variable
  /** The teacher's item embeddings, row-major [numItems, embeddingDim] (hint). */
  teacherItems?: Float32Array
  embeddingDim?: number
}

/**
 * One training step with sparse item tables: the dense weights by `optimizer`, the touched item
 * rows by lazy Adam. Returns [total, ...terms] (terms in LOSS_NAMES order, unweighted) as one tensor.
 */
export function sparseStudentStep (tables: SparseStudentTables, batch: SparseBatch, c: SparseStepContext): tf.Tensor1D {
  const { student } = tables
  const { losses } = c
  if (losses.kd !== undefined && losses.kd.normalise === 'full') {
    throw new DistillError('DISTILL_OPTIONS_INVALID', `kd normalised on the full catalogue needs every item's score; a student past ${TRAINING_DEFAULTS.student.fullSoftmaxItems} items trains on sampled negatives: use kd normalised on the support`)
  }
  const index = tables.items.index
  const b = batch.histories.length
  const { window } = student.config
  const windowIds = padWindows(batch.histories, window, student.padId)
  const negatives = tables.drawNegatives(c.rng)
  const compact = {
    windows: index.map(windowIds),
    next: index.map(batch.nextItems),
    negatives: index.map(negatives),
    support: batch.support === undefined ? undefined : index.map(batch.support)
  }
  const ids = index.unique()
  const itemRows = tables.items.gather()
  const biasRows = tables.bias?.gather()
  const logQ = Float32Array.from(ids, (id) => id < student.numItems ? tables.sampler.logQ[id] : 0)
  return tf.tidy(() => {
    const windowsT = tf.tensor2d(windowIds, [b, window], 'int32')
    const gatheredIds = tf.tensor2d(compact.windows, [b, window], 'int32')
    const nextT = tf.tensor1d(compact.next, 'int32')
    const negativesT = tf.tensor1d(compact.negatives, 'int32')
    const logQT = tf.tensor1d(logQ)
    const n = batch.topN
    const supportT = compact.support === undefined ? undefined : tf.tensor2d(compact.support, [b, n], 'int32')
    const teacherT = batch.teacherLogits === undefined ? undefined : tf.tensor2d(batch.teacherLogits, [b, n])
    const kdRows = batch.kdRows === undefined ? undefined : tf.tensor1d(batch.kdRows)
    const rankingRows = batch.rankingRows === undefined ? undefined : tf.tensor1d(batch.rankingRows)
    const hint = losses.hint === undefined ? undefined : hintRows(ids, student.numItems, c.teacherItems!, c.embeddingDim!)
    const dense = tables.denseVariables()
    const variables = [...dense, itemRows, ...(biasRows ? [biasRows] : []), ...(c.projection ? [c.projection] : [])]
    const terms: tf.Scalar[] = []
    const { value, grads } = tf.variableGrads(() => {
      const users = student.encode(windowsT, { table: itemRows as tf.Tensor as tf.Tensor2D, ids: gatheredIds }, c.training)
      // the bias rides as a last column: user vectors end in 1
      const u = biasRows === undefined ? users : tf.concat([users, tf.ones([b, 1])], 1) as tf.Tensor2D
      const table = biasRows === undefined ? itemRows as tf.Tensor as tf.Tensor2D : tf.concat([itemRows, biasRows], 1) as tf.Tensor2D
      const term = (v: tf.Scalar): tf.Scalar => { terms.push(tf.keep(v)); return v }
      let total: tf.Scalar = tf.scalar(0)
      if (losses.task) total = tf.add(total, tf.mul(term(sampledCrossEntropy(u, table, nextT, negativesT, logQT)), losses.task.weight))
      const onSupport = supportT === undefined ? undefined : tf.sum(tf.mul(tf.expandDims(u, 1), lookupRows(table, supportT)), 2) as tf.Tensor2D
      if (losses.kd) total = tf.add(total, tf.mul(term(softTargetKl(onSupport!, teacherT!, losses.kd.temperature, kdRows)), c.teacherWeight * losses.kd.weight))
      if (losses.ranking) {
        const topK = tf.slice(onSupport!, [0, 0], [-1, losses.ranking.k]) as tf.Tensor2D
        total = tf.add(total, tf.mul(term(rankingDistillation(topK, c.rankWeights!, rankingRows)), c.teacherWeight * losses.ranking.weight))
      }
      if (losses.hint) {
        const studentRows = lookupRows(itemRows, tf.tensor1d(hint!.rows, 'int32')) as tf.Tensor2D
        const teacherRows = tf.tensor2d(hint!.values, [hint!.rows.length, c.embeddingDim!])
        total = tf.add(total, tf.mul(term(hintLoss(studentRows, c.projection as unknown as tf.Tensor2D, teacherRows)), c.teacherWeight * losses.hint.weight))
      }
      return total
    }, variables)
    const named: tf.NamedTensorMap = {}
    for (const v of [...dense, ...(c.projection ? [c.projection] : [])]) if (grads[v.name] !== undefined) named[v.name] = grads[v.name]
    c.optimizer.applyGradients(named)
    tables.items.update(grads[itemRows.name], c.learningRate)
    tables.bias?.update(grads[biasRows!.name], c.learningRate)
    const stacked = tf.stack([value, ...terms]) as tf.Tensor1D
    tf.dispose(terms)
    return stacked
  })
}

/** The compact rows of real items (not padding) and the teacher's embeddings of those items. */
function hintRows (ids: Int32Array, numItems: number, teacherItems: Float32Array, dim: number): { rows: Int32Array, values: Float32Array } {
  const rows: number[] = []
  ids.forEach((id, r) => { if (id < numItems) rows.push(r) })
  const values = new Float32Array(rows.length * dim)
  rows.forEach((r, k) => values.set(teacherItems.subarray(ids[r] * dim, (ids[r] + 1) * dim), k * dim))
  return { rows: Int32Array.from(rows), values }
}
