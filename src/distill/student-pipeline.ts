import type { LearningRateDecay } from './schedule.js'
import { evaluate, topKOverlap, type EvaluationResult } from './evaluate.js'
import { savedMetrics } from './saved-metrics.js'
import { loadTeacherSource, type TeacherSource, type TeacherSourceOptions } from './teacher-source.js'
import { distillStudent, DISTILL_DEFAULTS, type DistillLosses, type TrainReport } from './trainer.js'
import type { LoadedData } from './training-data.js'
import { trainingPositions } from './training-positions.js'
import { saveModel } from '../models/artifact/model-io.js'
import { Student, type StudentConfig } from '../models/student.js'

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
      maxSeconds: o.maxSeconds
    })
    const test = evaluate(student, data.split.test, { k: 10, tailItems: data.tailItems })
    const overlap = teacher?.scorer ? topKOverlap(teacher.scorer, student, data.split.test, 10) : undefined
    const params = student.paramCount()
    const base = { test, report, params, teacherLabel: teacher?.label ?? null, overlap }
    if (!o.save) return { ...base, version: null, dir: null }
    const saved = await saveModel(o.modelsDir, student, {
      itemIds: data.dataset.items.ids(),
      datasetFingerprint: data.fingerprint,
      teacherVersion: teacher?.version ?? null,
      metrics: { ...savedMetrics(test, report, params), ...(overlap === undefined ? {} : { teacherOverlap10: overlap }) }
    })
    return { ...base, version: saved.version, dir: saved.dir }
  } finally {
    student.dispose()
    teacher?.dispose()
  }
}
