/**
 * Settings search on validation only: random search over the teacher's and then the student's main
 * settings within a time budget, every trial scored by its best validation NDCG@10 during training
 * (early stopping on the validation split). The test split is never read: trials see
 * `data.split.train` and `data.split.valid` only. Trial 0 of each phase is the defaults, so the
 * chosen settings are never worse on validation than training without tuning.
 */
import { Random } from '../../data/random.js'
import { Student, STUDENT_DEFAULTS, type StudentFamily } from '../../models/student.js'
import { Teacher, TEACHER_DEFAULTS } from '../../models/teacher.js'
import { computeTeacherTargets } from '../targets/teacher-targets.js'
import { distillStudent } from '../student/distill-student.js'
import { GBCE_CALIBRATION, teacherLossFor, trainTeacher, type TeacherLoss } from '../teacher/train-teacher.js'
import { TRAINING_DEFAULTS } from '../training-defaults.js'
import { trainingPositions } from '../training/training-positions.js'
import type { LoadedData } from '../training/training-data.js'

export interface TeacherSettings {
  dim: number
  blocks: number
  heads: number
  dropout: number
  maxLen: number
  learningRate: number
  /** 0 = full softmax. */
  negatives: number
  /** With negatives: the sampled softmax (log-Q corrected; the default, and what files without it meant) or gBCE. */
  loss?: 'sampled' | 'gbce'
}

export interface StudentSettings {
  /** The family searched (`npm run tune -- --student`); absent in files written before families: pooling. */
  family?: StudentFamily
  dim: number
  window: number
  learningRate: number
  kdWeight: number
  temperature: number
}

export interface Trial<S> { settings: S, validNdcg: number, seconds: number, epochs: number }

export interface TuneResult {
  teacher: Trial<TeacherSettings>
  student: Trial<StudentSettings>
  trials: { teacher: Array<Trial<TeacherSettings>>, student: Array<Trial<StudentSettings>> }
}

export interface TuneOptions {
  /** Wall-clock budget of the whole search; the teacher phase gets 60% of it. */
  budgetSeconds: number
  seed: number
  /** Trials per phase at most (default: as many as the budget allows). */
  trials?: number
  /** Epochs per trial at most (early stopping on validation cuts them shorter). Default 30. */
  epochs?: number
  /** The student family whose settings are searched; default pooling. */
  family?: StudentFamily
  log: (line: string) => void
}

export function defaultTeacherSettings (numItems: number): TeacherSettings {
  const loss = teacherLossFor(numItems)
  return {
    dim: TEACHER_DEFAULTS.dim,
    blocks: TEACHER_DEFAULTS.blocks,
    heads: TEACHER_DEFAULTS.heads,
    dropout: TEACHER_DEFAULTS.dropout,
    maxLen: TEACHER_DEFAULTS.maxLen,
    learningRate: TRAINING_DEFAULTS.teacher.learningRate,
    ...(loss.kind === 'full' ? { negatives: 0 } : { negatives: loss.negatives, loss: loss.kind })
  }
}

export function defaultStudentSettings (family: StudentFamily = 'pooling'): StudentSettings {
  const d = TRAINING_DEFAULTS.student
  return { family, dim: STUDENT_DEFAULTS.dim, window: STUDENT_DEFAULTS.window, learningRate: d.learningRate, kdWeight: d.kdWeight, temperature: d.temperature }
}

function sampleTeacher (rng: Random, numItems: number): TeacherSettings {
  const dim = pick(rng, [32, 64, 128])
  return {
    dim,
    blocks: pick(rng, [1, 2, 3]),
    heads: pick(rng, [1, 2]),
    dropout: pick(rng, [0.1, 0.2, 0.3, 0.5]),
    maxLen: pick(rng, [20, 50, 100]),
    learningRate: pick(rng, [1e-3, 2e-3, 4e-3]),
    ...(numItems <= TRAINING_DEFAULTS.teacher.fullSoftmaxItems ? { negatives: 0 } : { negatives: pick(rng, [256, 512, 1024]), loss: pick(rng, ['sampled', 'gbce'] as const) })
  }
}

function sampleStudent (rng: Random, family: StudentFamily): StudentSettings {
  return {
    family,
    dim: pick(rng, [16, 32, 64]),
    window: pick(rng, [5, 10, 20, 50]),
    learningRate: pick(rng, [1e-3, 3e-3, 1e-2]),
    kdWeight: pick(rng, [0, 0.5, 1, 2]),
    temperature: pick(rng, [1, 2, 4])
  }
}

function pick<T> (rng: Random, values: readonly T[]): T {
  return values[rng.int(values.length)]
}

export function teacherLoss (s: TeacherSettings): TeacherLoss {
  if (s.negatives === 0) return { kind: 'full' }
  return s.loss === 'gbce' ? { kind: 'gbce', negatives: s.negatives, calibration: GBCE_CALIBRATION } : { kind: 'sampled', negatives: s.negatives }
}

/** Runs the search; returns the best trial of each phase and every trial. */
export function tune (data: LoadedData, o: TuneOptions): TuneResult {
  const { train, valid } = data.split
  const numItems = data.dataset.items.size
  const rng = new Random(o.seed)
  const epochs = o.epochs ?? 30
  const started = performance.now()
  const elapsed = (): number => (performance.now() - started) / 1000
  const teacherEnd = o.budgetSeconds * 0.6
  const maxTrials = o.trials ?? Infinity
  const family = o.family ?? 'pooling'

  const teacherTrials: Array<Trial<TeacherSettings>> = []
  let best: { trial: Trial<TeacherSettings>, model: Teacher } | undefined
  try {
    for (let t = 0; t < maxTrials && (t === 0 || elapsed() < teacherEnd); t++) {
      const settings = t === 0 ? defaultTeacherSettings(numItems) : sampleTeacher(rng, numItems)
      const model = new Teacher({ numItems, dim: settings.dim, blocks: settings.blocks, heads: settings.heads, ffnDim: settings.dim, maxLen: settings.maxLen, dropout: settings.dropout, seed: o.seed })
      const report = trainTeacher(model, train, {
        epochs,
        batchSize: TRAINING_DEFAULTS.teacher.batchSize,
        learningRate: settings.learningRate,
        seed: o.seed,
        loss: teacherLoss(settings),
        valid,
        patience: TRAINING_DEFAULTS.patience,
        maxSeconds: Number.isFinite(maxTrials) ? undefined : Math.max(1, teacherEnd - elapsed()),
        progress: false
      })
      const trial = { settings, validNdcg: report.bestMetric ?? 0, seconds: report.seconds, epochs: report.epochs.length }
      teacherTrials.push(trial)
      o.log(`teacher trial ${t + 1}: ${describe(settings)} -> valid NDCG@10 ${trial.validNdcg.toFixed(4)} (${trial.epochs} epochs, ${trial.seconds.toFixed(1)}s)`)
      if (best === undefined || trial.validNdcg > best.trial.validNdcg) {
        best?.model.dispose()
        best = { trial, model }
      } else {
        model.dispose()
      }
    }
    const teacher = best!
    const positions = trainingPositions(train)
    const targets = computeTeacherTargets(teacher.model, train, positions, { topN: Math.min(TRAINING_DEFAULTS.targets.topN, numItems) })
    const studentTrials: Array<Trial<StudentSettings>> = []
    for (let t = 0; t < maxTrials && (t === 0 || elapsed() < o.budgetSeconds); t++) {
      const settings = t === 0 ? defaultStudentSettings(family) : sampleStudent(rng, family)
      const student = new Student({ family, numItems, dim: settings.dim, window: settings.window, seed: o.seed })
      try {
        const report = distillStudent(student, train, {
          epochs,
          batchSize: TRAINING_DEFAULTS.student.batchSize,
          learningRate: settings.learningRate,
          seed: o.seed,
          losses: settings.kdWeight === 0
            ? { task: { weight: 1 } }
            : { task: { weight: 1 }, kd: { weight: settings.kdWeight, temperature: settings.temperature, normalise: 'support' } },
          targets: settings.kdWeight === 0 ? undefined : targets,
          positions,
          valid,
          patience: TRAINING_DEFAULTS.patience,
          maxSeconds: Number.isFinite(maxTrials) ? undefined : Math.max(1, o.budgetSeconds - elapsed()),
          progress: false
        })
        const trial = { settings, validNdcg: report.bestMetric ?? 0, seconds: report.seconds, epochs: report.epochs.length }
        studentTrials.push(trial)
        o.log(`student trial ${t + 1}: ${describe(settings)} -> valid NDCG@10 ${trial.validNdcg.toFixed(4)} (${trial.epochs} epochs, ${trial.seconds.toFixed(1)}s)`)
      } finally {
        student.dispose()
      }
    }
    const bestStudent = studentTrials.reduce((a, b) => b.validNdcg > a.validNdcg ? b : a)
    return { teacher: teacher.trial, student: bestStudent, trials: { teacher: teacherTrials, student: studentTrials } }
  } finally {
    best?.model.dispose()
  }
}

function describe (settings: object): string {
  return Object.entries(settings).map(([k, v]) => `${k} ${String(v)}`).join(', ')
}
