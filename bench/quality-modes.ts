import type { LearningRateDecay } from '../src/distill/training/schedule.js'
import type { DistillLosses } from '../src/distill/student/distill-losses.js'
import type { TeacherLoss } from '../src/distill/teacher/train-teacher.js'
import type { StudentConfig } from '../src/models/student.js'
import { TEACHER_DEFAULTS, type TeacherConfig } from '../src/models/teacher.js'
import { TRAINING_DEFAULTS } from '../src/distill/training-defaults.js'

const STUDENT = TRAINING_DEFAULTS.student

/** What bench:quality trains: the teacher's and the students' shapes and budgets. */
export interface Mode {
  teacher: Omit<TeacherConfig, 'numItems' | 'seed'>
  teacherTraining: { epochs: number, batchSize: number, learningRate: number, loss: TeacherLoss, patience?: number, maxSeconds?: number, learningRateDecay?: LearningRateDecay }
  student: Omit<StudentConfig, 'numItems' | 'seed'>
  studentTraining: { epochs: number, batchSize: number, learningRate: number, patience?: number, maxSeconds?: number, learningRateDecay?: LearningRateDecay }
  /** Settings `npm run tune` chose for this data: a second teacher row. */
  tuned?: { path: string, teacher: Omit<TeacherConfig, 'numItems' | 'seed'>, learningRate: number, loss: TeacherLoss }
  /** Student training positions per user (latest); Infinity = all. */
  positionsPerUser: number
  topN: number
}

export const QUICK: Mode = {
  teacher: { dim: 32, blocks: 1, heads: 1, ffnDim: 32, maxLen: 50, dropout: 0.2 },
  // a full softmax at a higher rate: on ML-100K it reaches the Markov chain in 6 epochs (sampled, 1e-3: not in 2)
  teacherTraining: { epochs: 6, batchSize: 64, learningRate: 3e-3, loss: { kind: 'full' } },
  student: { dim: 16, window: 20, dense: true, itemBias: true },
  studentTraining: { epochs: 4, batchSize: 256, learningRate: 3e-3 },
  positionsPerUser: 20,
  topN: TRAINING_DEFAULTS.targets.topN
}

export const FULL: Mode = {
  teacher: { ...TEACHER_DEFAULTS },
  // 16 windows a step at 2e-3 learns fastest per epoch on ML-100K (valid NDCG@10 0.090 after 3 epochs, 64 windows: 0.069)
  // patience 5: ML-100K's validation NDCG@10 is noisy (943 users) and stopped a teacher at epoch 5 with patience 3;
  // 5 still stopped one at epoch 9 (keeping epoch 4), so the reported ML-100K run passes --teacher-patience 20
  teacherTraining: { epochs: 20, batchSize: 16, learningRate: 2e-3, loss: { kind: 'full' }, patience: 5 },
  student: { dim: 16, window: 20, dense: true, itemBias: true },
  studentTraining: { epochs: STUDENT.epochs, batchSize: STUDENT.batchSize, learningRate: STUDENT.learningRate, patience: TRAINING_DEFAULTS.patience },
  positionsPerUser: Infinity,
  topN: TRAINING_DEFAULTS.targets.topN
}

const KD = { weight: 1, temperature: 1, normalise: 'support' as const }
const RANKING = { weight: 1, k: 10 }
const HINT = { weight: 1 }
/** Mixed teacher: the teacher's soft targets and item-KNN's, half each. */
export const MIX = { weight: 0.5, sharpness: 5 }
/** Ensemble teacher: the teacher, Markov chain, item-KNN and popularity, weights fitted on validation NDCG@10 (as `distill --ensemble`). */
export const ENSEMBLE = { sharpness: 5 }

export interface StudentVariant {
  label: string
  losses: DistillLosses
  teacher?: 'mixed' | 'ensemble'
  core?: boolean
}

/**
 * Every student row: same architecture, size, positions and epochs; only the losses and the
 * teacher (the trained one, or mixed with item-KNN) differ.
 */
export const STUDENT_VARIANTS: StudentVariant[] = [
  { label: 'student, no distillation', losses: { task: { weight: 1 } }, core: true },
  { label: 'student + kd + ranking + hint', losses: { task: { weight: 1 }, kd: KD, ranking: RANKING, hint: HINT } },
  { label: 'student + kd', losses: { task: { weight: 1 }, kd: KD } },
  { label: 'student + ranking', losses: { task: { weight: 1 }, ranking: RANKING } },
  { label: 'student + hint', losses: { task: { weight: 1 }, hint: HINT } },
  { label: 'student, kd only (no task loss)', losses: { kd: KD } },
  { label: 'student + kd, mixed teacher', losses: { task: { weight: 1 }, kd: KD }, teacher: 'mixed' },
  { label: 'student + kd + ranking + hint, mixed teacher', losses: { task: { weight: 1 }, kd: KD, ranking: RANKING, hint: HINT }, teacher: 'mixed', core: true },
  { label: 'student + kd, ensemble teacher', losses: { task: { weight: 1 }, kd: KD }, teacher: 'ensemble' },
  { label: 'student + kd + ranking + hint, ensemble teacher', losses: { task: { weight: 1 }, kd: KD, ranking: RANKING, hint: HINT }, teacher: 'ensemble', core: true }
]
