import { evaluate, type EvaluationResult } from '../evaluation/evaluate.js'
import { savedMetrics, usPerRequest } from '../training/saved-metrics.js'
import { sampleMetrics } from '../evaluation/evaluation-sample.js'
import { curveLines, type TrainReport } from '../training/train-loop.js'
import { writeTensorBoard } from '../training/tensorboard.js'
import { TRAINING_DEFAULTS } from '../training-defaults.js'
import type { LoadedData } from '../training/training-data.js'
import { saveModel } from '../../models/artifact/model-io.js'
import { Teacher } from '../../models/teacher.js'
import { trainTeacherOnThreads } from './thread-gradient-pool.js'
import { checkTeacherRun } from './teacher-run-check.js'
import type { TeacherRunOptions } from './teacher-run-options.js'
import { foldValidation } from '../training/fold-validation.js'

export interface TeacherRunResult {
  version: number | null
  dir: string | null
  test: EvaluationResult
  /** The run on train, with its validation curve. */
  report: TrainReport
  /** With fit 'train+valid': the refit's run (its epochs are the report's best epoch + 1). */
  refit?: TrainReport
  params: number
}

/**
 * One teacher run, the same for `npm run train:teacher` and the worker: refuse options that could
 * only fail later (checkTeacherRun), train on the train split
 * with early stopping on validation, evaluate on test, and save the version with its figures.
 */
export async function runTeacher (o: TeacherRunOptions): Promise<TeacherRunResult> {
  checkTeacherRun(o)
  const { data } = o
  let model = newTeacher(o, data)
  try {
    const report = await trainOn(o, model, data)
    let refit: TrainReport | undefined
    if (o.fit === 'train+valid') {
      const fresh = newTeacher(o, data)
      model.dispose()
      model = fresh
      refit = await trainOn(o, model, foldValidation(data), report.bestEpoch + 1)
    }
    const test = evaluate(model, data.split.test, { k: 10, tailItems: data.tailItems })
    const params = model.paramCount()
    if (!o.save) return { version: null, dir: null, test, report, refit, params }
    const curves = curveLines('teacher', report)
    const saved = await saveModel(o.modelsDir, model, {
      itemIds: data.dataset.items.ids(),
      datasetFingerprint: data.fingerprint,
      metrics: { ...savedMetrics(test, report, params, usPerRequest(model, data.split.test)), ...sampleMetrics(data.evaluationSample) },
      curves
    })
    await writeTensorBoard(saved.dir, curves)
    return { version: saved.version, dir: saved.dir, test, report, params }
  } finally {
    model.dispose()
  }
}

function newTeacher (o: TeacherRunOptions, data: LoadedData): Teacher {
  return new Teacher({ ...o.teacher, numItems: data.dataset.items.size, seed: o.teacher.seed ?? o.seed })
}

/**
 * Trains `model` on `data`'s train split: with early stopping on its validation cases, or for
 * exactly `epochs` epochs without validation; over `o.threads` threads when more than one.
 */
async function trainOn (o: TeacherRunOptions, model: Teacher, data: LoadedData, epochs?: number): Promise<TrainReport> {
  return await trainTeacherOnThreads(model, data.split.train, o.threads ?? 1, {
    epochs: epochs ?? o.epochs ?? TRAINING_DEFAULTS.teacher.epochs,
    batchSize: o.batchSize ?? TRAINING_DEFAULTS.teacher.batchSize,
    learningRate: o.learningRate ?? TRAINING_DEFAULTS.teacher.learningRate,
    learningRateDecay: o.learningRateDecay,
    seed: o.seed,
    loss: o.loss,
    valid: epochs === undefined ? data.split.valid : undefined,
    patience: epochs === undefined ? o.patience : undefined,
    maxSeconds: epochs === undefined ? o.maxSeconds : undefined,
    progress: o.progress,
    signal: o.signal
  })
}
