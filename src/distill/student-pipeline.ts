import type { LearningRateDecay } from './schedule.js'
import { evaluate, topKOverlap, type EvaluationResult } from './evaluate.js'
import { savedMetrics, usPerRequest } from './saved-metrics.js'
import { curveLines } from './train-loop.js'
import { writeTensorBoard } from './tensorboard.js'
import { loadTeacherSource, type TeacherSource, type TeacherSourceOptions } from './teacher-source.js'
import { distillStudent, DISTILL_DEFAULTS, type DistillLosses, type TrainReport } from './trainer.js'
import type { LoadedData } from './training-data.js'
import { trainingPositions } from './training-positions.js'
import { saveModel } from '../models/artifact/model-io.js'
import { Student, type StudentConfig } from '../models/student.js'
import { warmStart, type WarmStartResult } from '../models/warm-start.js'
import type { ProgressReporter } from './progress.js'

export interface StudentRunOptions {
  data: LoadedData
  modelsDir: string
  /** The student's shape; numItems comes from the data. */
  student: Omit<Partial<StudentConfig>, 'numItems'>
  losses: DistillLosses
  /** Where the teacher comes from; needed when any loss but `task` is on. */
  teacher?: Omit<TeacherSourceOptions, 'modelsDir' | 'withItemEmbeddings' | 'log'>
  epochs?: number
  batchSize?: number
  learningRate?: number
  learningRateDecay?: LearningRateDecay
  /** Teacher losses fade to 0 over the epochs when 'linear'. */
  schedule?: 'constant' | 'linear'
  seed: number
  patience?: number
  maxSeconds?: number
  /** Save the trained student as the next version (else train and report only). */
  save: boolean
  /** Progress lines (teacher targets, mixing). */
  log: (line: string) => void
  /** Epoch progress (default: stderr). */
  progress?: ProgressReporter | false
  /** Checked between steps; see TrainLoopOptions.signal. */
  signal?: { readonly aborted: boolean }
  /** Start from a previous version's weights (see warmStart); not disposed. */
  warmFrom?: { model: Student, itemIds: readonly string[] }
  /** Save as exactly this version (the worker's fencing token). */
  version?: number
  /**
   * Judges the trained student before it is saved: a reason to reject it saves it as rejected
   * (on disk for inspection, never loaded by serving).
   */
  gate?: (student: Student) => Promise<{ rejected?: string }>
}

export interface StudentRunResult {
  /** The saved version, or null when `save` was false. */
  version: number | null
  dir: string | null
  test: EvaluationResult
  report: TrainReport
  params: number
  teacherLabel: string | null
  /** Top-10 agreement with the teacher on the test cases, when the teacher can score. */
  overlap?: number
  /** Rows reused from `warmFrom`, or null when its shape did not fit (trained from scratch). */
  warm?: WarmStartResult | null
  /** The gate's reason when it turned the student down. */
  rejected?: string
}

/**
 * One student run, the same for `npm run distill` and the worker: build the student, get the
 * teacher's targets when a teacher loss is on, distill on the train split with early stopping on
 * validation, evaluate on test, and save the version with its figures.
 */
export async function runStudent (o: StudentRunOptions): Promise<StudentRunResult> {
  const { data, losses } = o
  const epochs = o.epochs ?? DISTILL_DEFAULTS.epochs
  const needsTeacher = losses.kd !== undefined || losses.ranking !== undefined || losses.hint !== undefined
  const student = new Student({ ...o.student, numItems: data.dataset.items.size, seed: o.student.seed ?? o.seed })
  let teacher: TeacherSource | undefined
  try {
    const warm = o.warmFrom === undefined ? undefined : warmStart(student, data.dataset.items.ids(), o.warmFrom.model, o.warmFrom.itemIds)
    if (warm === null) o.log('warm start skipped: the previous student has another shape; training from scratch')
    else if (warm !== undefined) o.log(`warm start: ${warm.reused} item rows from the previous student, ${warm.added} new`)
    if (needsTeacher) {
      teacher = await loadTeacherSource(data, {
        topN: 32,
        maxLen: 50,
        ...o.teacher,
        modelsDir: o.modelsDir,
        withItemEmbeddings: losses.hint !== undefined,
        log: o.log
      })
    }
    const report = distillStudent(student, data.split.train, {
      epochs,
      batchSize: o.batchSize ?? DISTILL_DEFAULTS.batchSize,
      learningRate: o.learningRate ?? DISTILL_DEFAULTS.learningRate,
      learningRateDecay: o.learningRateDecay,
      seed: o.seed,
      losses,
      targets: teacher?.targets,
      positions: teacher ? undefined : trainingPositions(data.split.train, o.teacher?.perUser ?? Infinity),
      schedule: o.schedule === 'linear' ? { kind: 'linear', start: 1, end: 0, epochs } : undefined,
      valid: data.split.valid,
      patience: o.patience,
      maxSeconds: o.maxSeconds,
      progress: o.progress,
      signal: o.signal
    })
    const test = evaluate(student, data.split.test, { k: 10, tailItems: data.tailItems })
    const overlap = teacher?.scorer ? topKOverlap(teacher.scorer, student, data.split.test, 10) : undefined
    const params = student.paramCount()
    const { rejected } = (await o.gate?.(student)) ?? {}
    const base = { test, report, params, teacherLabel: teacher?.label ?? null, overlap, warm, rejected }
    if (!o.save) return { ...base, version: null, dir: null }
    const curves = curveLines('student', report)
    const saved = await saveModel(o.modelsDir, student, {
      itemIds: data.dataset.items.ids(),
      datasetFingerprint: data.fingerprint,
      teacherVersion: teacher?.version ?? null,
      metrics: { ...savedMetrics(test, report, params, usPerRequest(student, data.split.test)), ...(overlap === undefined ? {} : { teacherOverlap10: overlap }) },
      curves,
      version: o.version,
      rejected: rejected === undefined ? undefined : { reason: rejected }
    })
    await writeTensorBoard(saved.dir, curves)
    return { ...base, version: saved.version, dir: saved.dir }
  } finally {
    student.dispose()
    teacher?.dispose()
  }
}
