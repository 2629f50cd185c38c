import * as tf from '@tensorflow/tfjs'
import type { EvalCase } from '../../data/split.js'
import { assignWeights, snapshotWeights, type SequenceModel } from '../../models/sequence-model.js'
import { evaluate } from '../evaluation/evaluate.js'
import { learningRateAt, type LearningRateDecay } from './schedule.js'
import { RunCancelledError } from '../run-cancelled.js'
import { createProgress, silentProgress, type ProgressReporter } from './progress.js'

/** Options every training run shares. */
export interface TrainLoopOptions {
  epochs: number
  batchSize: number
  learningRate: number
  /** Default `constant`; `linear` ends the last epoch at a tenth (a time budget may stop it sooner). */
  learningRateDecay?: LearningRateDecay
  seed: number
  /** Validation cases: after each epoch NDCG@10 is measured on them; the best epoch's weights are kept. */
  valid?: readonly EvalCase[]
  /** Replaces the NDCG@10 on `valid` (higher is better), e.g. for a sampled or cheaper metric. */
  validate?: (model: SequenceModel) => number
  /** Stop after this many epochs without a better validation metric. */
  patience?: number
  /** Stop (after the current epoch) once training has run this long. */
  maxSeconds?: number
  /** `false` silences; default prints to stderr. */
  progress?: ProgressReporter | false
  /**
   * Checked between steps: once `aborted`, the run throws a RunCancelledError within one
   * step. An AbortSignal, or any object whose flag another thread sets (see training-thread.ts).
   */
  signal?: { readonly aborted: boolean }
}

export interface EpochReport {
  epoch: number
  loss: number
  /** The loss by term (task, kd, ranking, hint), unweighted means over the epoch's steps. */
  terms?: Record<string, number>
  metric?: number
  learningRate: number
  /** The schedule's multiplier of the teacher's losses this epoch. */
  teacherWeight?: number
  seconds: number
}

/** One line of a version's curves.jsonl (see curveLines). */
export interface CurveLine {
  stage: 'teacher' | 'student'
  epoch: number
  loss: number
  terms?: Record<string, number>
  validNdcg?: number
  learningRate: number
  teacherWeight?: number
  seconds: number
}

/** A run's per-epoch figures as the lines saved beside its artifact (epochs counted from 1). */
export function curveLines (stage: CurveLine['stage'], report: TrainReport): CurveLine[] {
  return report.epochs.map((e) => ({
    stage,
    epoch: e.epoch + 1,
    loss: e.loss,
    ...(e.terms === undefined ? {} : { terms: e.terms }),
    ...(e.metric === undefined ? {} : { validNdcg: e.metric }),
    learningRate: e.learningRate,
    ...(e.teacherWeight === undefined ? {} : { teacherWeight: e.teacherWeight }),
    seconds: e.seconds
  }))
}

export interface TrainReport {
  epochs: EpochReport[]
  /** Epoch whose weights the model holds at the end (the last one without validation). */
  bestEpoch: number
  bestMetric?: number
  seconds: number
  /** Training positions (loss terms) seen over all epochs, and the mean cost of one. */
  positions: number
  usPerPosition: number
}

/**
 * What one epoch of a particular model's training does, at the epoch's learning rate; returns its
 * mean loss and position count.
 */
export type EpochFn = (epoch: number, onStep: (step: number, steps: number, loss: number) => void, learningRate: number) => EpochResult

export interface EpochResult {
  loss: number
  positions: number
  terms?: Record<string, number>
  teacherWeight?: number
}

/**
 * Runs epochs with validation, early stopping, best-epoch restore, a time budget and progress.
 * Training time (us per position) excludes validation.
 */
export function runEpochs (model: SequenceModel, label: string, options: TrainLoopOptions, runEpoch: EpochFn): TrainReport {
  const progress = options.progress === false ? silentProgress : (options.progress ?? createProgress(label))
  const validate = options.validate ??
    (options.valid && options.valid.length > 0 ? (m: SequenceModel) => evaluate(m, options.valid!, { k: 10 }).ndcg : undefined)
  const epochs: EpochReport[] = []
  let best: Record<string, tf.Tensor> | undefined
  let bestEpoch = -1
  let bestMetric: number | undefined
  let trainMs = 0
  let positions = 0
  const started = performance.now()
  const { signal } = options
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const t0 = performance.now()
      const budgetUsed = options.maxSeconds === undefined ? 0 : (performance.now() - started) / 1000 / options.maxSeconds
      const learningRate = learningRateAt(options.learningRate, options.learningRateDecay ?? 'constant', epoch, options.epochs, budgetUsed)
      if (signal?.aborted === true) throw cancelled(epoch, 0)
      const result = runEpoch(epoch, (step, steps, loss) => {
        progress.step({ epoch, epochs: options.epochs, step, steps, loss })
        if (signal?.aborted === true) throw cancelled(epoch, step)
      }, learningRate)
      trainMs += performance.now() - t0
      positions += result.positions
      const metric = validate?.(model)
      const seconds = (performance.now() - t0) / 1000
      epochs.push({ epoch, loss: result.loss, terms: result.terms, metric, learningRate, teacherWeight: result.teacherWeight, seconds })
      const elapsed = (performance.now() - started) / 1000
      // the run ends at its last epoch or, with a time budget, at the first epoch past it
      const byEpochs = elapsed / (epoch + 1) * (options.epochs - epoch - 1)
      const etaSeconds = options.maxSeconds === undefined ? byEpochs : Math.min(byEpochs, Math.max(0, options.maxSeconds - elapsed) + seconds)
      progress.epoch({ epoch, epochs: options.epochs, loss: result.loss, metric, seconds, etaSeconds: elapsed >= (options.maxSeconds ?? Infinity) ? 0 : etaSeconds })
      if (metric === undefined) {
        bestEpoch = epoch
      } else if (bestMetric === undefined || metric > bestMetric) {
        bestMetric = metric
        bestEpoch = epoch
        if (best) tf.dispose(Object.values(best))
        best = snapshotWeights(model.weights())
      } else if (options.patience !== undefined && epoch - bestEpoch >= options.patience) {
        break
      }
      if (options.maxSeconds !== undefined && elapsed >= options.maxSeconds) break
    }
    if (best) assignWeights(model.weights(), best)
  } finally {
    if (best) tf.dispose(Object.values(best))
  }
  const seconds = (performance.now() - started) / 1000
  const usPerPosition = positions === 0 ? 0 : (trainMs * 1000) / positions
  const metricText = bestMetric === undefined ? '' : `, valid ndcg@10 ${bestMetric.toFixed(4)}`
  progress.done(`done: best epoch ${bestEpoch + 1}${metricText}, ${seconds.toFixed(1)}s, ${usPerPosition.toFixed(1)} us/position`,
    { epoch: epochs.length, epochs: options.epochs, bestEpoch: bestEpoch + 1, validNdcg: bestMetric, seconds: Number(seconds.toFixed(1)) })
  return { epochs, bestEpoch, bestMetric, seconds, positions, usPerPosition }
}

function cancelled (epoch: number, step: number): RunCancelledError {
  return new RunCancelledError(`cancelled at epoch ${epoch + 1}, step ${step}`)
}
