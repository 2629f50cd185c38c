import * as tf from '@tensorflow/tfjs'
import { Random } from '../../data/random.js'
import type { Student } from '../../models/student.js'
import { padWindows } from '../../models/windows.js'
import { lookupColumns } from '../../tf/embedding.js'
import { glorotVariable } from '../../tf/init.js'
import { DistillError } from '../distill-error.js'
import { crossEntropy, hintLoss, rankingDistillation, rankWeights, supportKl } from '../training/losses.js'
import { teacherWeight, type TeacherWeightSchedule } from '../training/schedule.js'
import type { TeacherTargets } from '../targets/teacher-targets.js'
import { trainingPositions, type TrainingPositions } from '../training/training-positions.js'
import { positionWeights, type PositionWeighting } from '../training/position-weights.js'
import { runEpochs, type TrainLoopOptions, type TrainReport } from '../training/train-loop.js'
import { LOSS_NAMES, usesTeacher, type DistillLosses } from './distill-losses.js'
import { AdjustableAdam } from '../../tf/adam.js'
import { SparseStudentTables, sparseStudentStep, studentNegatives } from './sparse-student-step.js'

export interface DistillOptions extends TrainLoopOptions {
  losses: DistillLosses
  /** Needed by kd, ranking and hint; its positions are the training positions. */
  targets?: TeacherTargets
  /** Training positions without targets (task loss only); default every position. */
  positions?: TrainingPositions
  schedule?: TeacherWeightSchedule
  /**
   * Negatives the task loss's sampled softmax shares per batch; with any, the item tables train
   * with sparse row gradients (see SparseStudentTables). Default: studentNegatives (0, the full
   * softmax, up to TRAINING_DEFAULTS.student.fullSoftmaxItems items).
   */
  negatives?: number
  /** Dropout rate of the attention student's block while training (default 0; the other families have none). */
  dropout?: number
}

/**
 * Trains a student on its last `window` items per position, with the task loss and any of the
 * teacher's losses. Without targets (and with task only) this is the no-distillation baseline
 * on the same positions.
 */
export function distillStudent (student: Student, train: readonly Int32Array[], options: DistillOptions): TrainReport {
  const { losses, targets } = options
  const teacherOn = usesTeacher(losses)
  if (teacherOn && targets === undefined) throw new DistillError('DISTILL_OPTIONS_INVALID', 'kd, ranking and hint losses need teacher targets')
  // a run drops the hint loss for such targets before it gets here (servedLosses)
  if (losses.hint && targets?.itemEmbeddings === undefined) throw new DistillError('DISTILL_OPTIONS_INVALID', 'the hint loss needs targets with item embeddings')
  if (losses.ranking && targets && losses.ranking.k > targets.topN) throw new DistillError('DISTILL_OPTIONS_INVALID', `ranking k ${losses.ranking.k} exceeds the targets' top-${targets.topN}`)
  const positions = targets?.positions ?? options.positions ?? trainingPositions(train)
  const { window } = student.config
  const rng = new Random(options.seed)
  const optimizer = new AdjustableAdam(options.learningRate)
  const projection = losses.hint ? glorotVariable([student.config.dim, targets!.embeddingDim], rng) : undefined
  const teacherItems = losses.hint ? tf.tensor2d(targets!.itemEmbeddings!, [student.numItems, targets!.embeddingDim]) : undefined
  const rankW = losses.ranking ? tf.tensor1d(rankWeights(losses.ranking.k, losses.ranking.lambda ?? losses.ranking.k / 2)) : undefined
  const variables = [...Object.values(student.weights()), ...(projection ? [projection] : [])]
  const negatives = studentNegatives(student.numItems, options.negatives)
  const sparse = negatives > 0 ? new SparseStudentTables(student, train, negatives) : undefined
  const order = Int32Array.from({ length: positions.users.length }, (_, i) => i)
  // seeds are drawn only with dropout on, so a run without it shuffles and samples as before
  const training = (options.dropout ?? 0) > 0 && student.family === 'attention' ? { dropout: options.dropout!, nextSeed: () => rng.int(2 ** 31) } : undefined
  // each position's multiplier of kd and of ranking (0 where the teacher does not cover it); undefined: 1 everywhere
  const { kd: kdRows, ranking: rankingRows } = teacherRows(losses, targets, train)
  try {
    return runEpochs(student, 'student', options, (epoch, onStep, learningRate) => {
      optimizer.setLearningRate(learningRate)
      const tw = options.schedule ? teacherWeight(options.schedule, epoch) : 1
      rng.shuffle(order)
      const steps = Math.ceil(order.length / options.batchSize)
      // the terms' values are read each step in LOSS_NAMES order
      const names = LOSS_NAMES.filter((name) => losses[name] !== undefined)
      const termSums = new Float64Array(names.length)
      let lossSum = 0
      for (let step = 0; step < steps; step++) {
        const batch = order.subarray(step * options.batchSize, (step + 1) * options.batchSize)
        const histories = Array.from(batch, p => {
          const end = positions.ends[p]
          return train[positions.users[p]].subarray(Math.max(0, end - window), end)
        })
        const loss = sparse !== undefined
          ? sparseStudentStep(sparse, {
            histories,
            nextItems: Int32Array.from(batch, p => train[positions.users[p]][positions.ends[p]]),
            support: targets ? rowsOf(targets.items, batch, targets.topN) : undefined,
            teacherLogits: targets ? rowsOf(targets.logits, batch, targets.topN) : undefined,
            topN: targets?.topN ?? 0,
            kdRows: kdRows === undefined ? undefined : rowsOf(kdRows, batch, 1),
            rankingRows: rankingRows === undefined ? undefined : rowsOf(rankingRows, batch, 1)
          }, { losses, teacherWeight: tw, optimizer, learningRate, rng, training, rankWeights: rankW, projection, teacherItems: targets?.itemEmbeddings, embeddingDim: targets?.embeddingDim })
          : tf.tidy(() => {
            const ids = tf.tensor2d(padWindows(histories, window, student.padId), [batch.length, window], 'int32')
            const nextItems = tf.tensor1d(Array.from(batch, p => train[positions.users[p]][positions.ends[p]]), 'int32')
            const support = targets ? tf.tensor2d(rowsOf(targets.items, batch, targets.topN), [batch.length, targets.topN], 'int32') : undefined
            const teacherLogits = targets ? tf.tensor2d(rowsOf(targets.logits, batch, targets.topN), [batch.length, targets.topN]) : undefined
            const topK = losses.ranking ? tf.slice(support!, [0, 0], [-1, losses.ranking.k]) as tf.Tensor2D : undefined
            const kdT = kdRows === undefined ? undefined : tf.tensor1d(rowsOf(kdRows, batch, 1))
            const rankingT = rankingRows === undefined ? undefined : tf.tensor1d(rowsOf(rankingRows, batch, 1))
            // each term is kept (unweighted) so the step's one read returns the total and every term
            const terms: tf.Scalar[] = []
            const total = optimizer.minimize(() => {
              const logits = student.scores(student.encode(ids, undefined, training))
              const term = (value: tf.Scalar): tf.Scalar => { terms.push(tf.keep(value)); return value }
              let total = tf.scalar(0)
              if (losses.task) total = tf.add(total, tf.mul(term(crossEntropy(logits, nextItems)), losses.task.weight))
              if (losses.kd) {
                const kd = term(supportKl(logits, support!, teacherLogits!, losses.kd.temperature, losses.kd.normalise ?? 'support', kdT))
                total = tf.add(total, tf.mul(kd, tw * losses.kd.weight))
              }
              if (losses.ranking) {
                total = tf.add(total, tf.mul(term(rankingDistillation(lookupColumns(logits, topK!), rankW!, rankingT)), tw * losses.ranking.weight))
              }
              if (losses.hint) {
                total = tf.add(total, tf.mul(term(hintLoss(student.itemEmbeddings(), projection as unknown as tf.Tensor2D, teacherItems!)), tw * losses.hint.weight))
              }
              return total as tf.Scalar
            }, true, variables)!
            const stacked = tf.stack([total, ...terms])
            tf.dispose(terms)
            return stacked
          })
        const values = loss.dataSync()
        loss.dispose()
        lossSum += values[0]
        names.forEach((_, i) => { termSums[i] += values[i + 1] })
        onStep(step + 1, steps, lossSum / (step + 1))
      }
      sparse?.sync()
      const terms = Object.fromEntries(names.map((name, i) => [name, termSums[i] / Math.max(1, steps)]))
      return { loss: lossSum / Math.max(1, steps), positions: order.length, terms, teacherWeight: teacherOn ? tw : undefined }
    })
  } finally {
    optimizer.dispose()
    sparse?.dispose()
    tf.dispose([projection, teacherItems, rankW].filter(t => t !== undefined))
  }
}

/** kd's and ranking's per-position multipliers (see positionWeights), computed once per run and shared when they weigh alike. */
function teacherRows (losses: DistillLosses, targets: TeacherTargets | undefined, train: readonly Int32Array[]): { kd?: Float32Array, ranking?: Float32Array } {
  if (targets === undefined) return {}
  const { users, ends } = targets.positions
  const next = Int32Array.from(users, (u, p) => train[u][ends[p]])
  const byWeighting = new Map<PositionWeighting, Float32Array | undefined>()
  const rows = (weighting: PositionWeighting = 'uniform'): Float32Array | undefined => {
    if (!byWeighting.has(weighting)) byWeighting.set(weighting, positionWeights(targets, weighting, next))
    return byWeighting.get(weighting)
  }
  return {
    kd: losses.kd === undefined ? undefined : rows(losses.kd.weighting),
    ranking: losses.ranking === undefined ? undefined : rows(losses.ranking.weighting)
  }
}

function rowsOf<A extends Int32Array | Float32Array> (flat: A, rows: Int32Array, width: number): A {
  const out = new (flat.constructor as new (n: number) => A)(rows.length * width)
  rows.forEach((p, r) => out.set(flat.subarray(p * width, (p + 1) * width), r * width))
  return out
}
