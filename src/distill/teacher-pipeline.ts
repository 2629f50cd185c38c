import { evaluate, type EvaluationResult } from './evaluate.js'
import { savedMetrics, usPerRequest } from './saved-metrics.js'
import { curveLines } from './train-loop.js'
import { writeTensorBoard } from './tensorboard.js'
import type { LearningRateDecay } from './schedule.js'
import type { ProgressReporter } from './progress.js'
import { trainTeacher, TEACHER_TRAINING_DEFAULTS, type TeacherLoss, type TrainReport } from './trainer.js'
import type { LoadedData } from './training-data.js'
import { saveModel } from '../models/artifact/model-io.js'
import { Teacher, type TeacherConfig } from '../models/teacher.js'
import * as tf from '@tensorflow/tfjs'
import { GradientPool } from './gradient-pool.js'
import type { BackendName } from '../tf/backend-name.js'

export interface TeacherRunOptions {
  data: LoadedData
  modelsDir: string
  /** The teacher's shape; numItems comes from the data. */
  teacher: Omit<Partial<TeacherConfig>, 'numItems'>
  loss: TeacherLoss
  epochs?: number
  batchSize?: number
  learningRate?: number
  learningRateDecay?: LearningRateDecay
  seed: number
  patience?: number
  maxSeconds?: number
  save: boolean
  /** Threads one training step is split over (data parallel); 1, the default, trains on this thread alone. */
  threads?: number
  /** Epoch progress (default: stderr). */
  progress?: ProgressReporter | false
  /** Checked between steps; see TrainLoopOptions.signal. */
  signal?: { readonly aborted: boolean }
}

export interface TeacherRunResult {
  version: number | null
  dir: string | null
  test: EvaluationResult
  report: TrainReport
  params: number
}

/**
 * One teacher run, the same for `npm run train:teacher` and the worker: train on the train split
 * with early stopping on validation, evaluate on test, and save the version with its figures.
 */
export async function runTeacher (o: TeacherRunOptions): Promise<TeacherRunResult> {
  const { data } = o
  const teacher = new Teacher({ ...o.teacher, numItems: data.dataset.items.size, seed: o.teacher.seed ?? o.seed })
  const batchSize = o.batchSize ?? TEACHER_TRAINING_DEFAULTS.batchSize
  let pool: GradientPool | undefined
  try {
    if ((o.threads ?? 1) > 1) {
      pool = await GradientPool.start({
        threads: o.threads!,
        teacher,
        train: data.split.train,
        batchSize,
        negatives: o.loss.kind === 'sampled' ? o.loss.negatives : 0,
        backend: tf.getBackend() as BackendName
      })
    }
    const report = trainTeacher(teacher, data.split.train, {
      epochs: o.epochs ?? TEACHER_TRAINING_DEFAULTS.epochs,
      batchSize,
      pool,
      learningRate: o.learningRate ?? TEACHER_TRAINING_DEFAULTS.learningRate,
      learningRateDecay: o.learningRateDecay,
      seed: o.seed,
      loss: o.loss,
      valid: data.split.valid,
      patience: o.patience,
      maxSeconds: o.maxSeconds,
      progress: o.progress,
      signal: o.signal
    })
    const test = evaluate(teacher, data.split.test, { k: 10, tailItems: data.tailItems })
    const params = teacher.paramCount()
    if (!o.save) return { version: null, dir: null, test, report, params }
    const curves = curveLines('teacher', report)
    const saved = await saveModel(o.modelsDir, teacher, {
      itemIds: data.dataset.items.ids(),
      datasetFingerprint: data.fingerprint,
      metrics: savedMetrics(test, report, params, usPerRequest(teacher, data.split.test)),
      curves
    })
    await writeTensorBoard(saved.dir, curves)
    return { version: saved.version, dir: saved.dir, test, report, params }
  } finally {
    await pool?.close()
    teacher.dispose()
  }
}
