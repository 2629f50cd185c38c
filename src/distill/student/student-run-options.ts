import type { LoadedData } from '../training/training-data.js'
import type { LearningRateDecay } from '../training/schedule.js'
import type { LogLine, ProgressReporter } from '../training/progress.js'
import type { Fit } from '../training/fold-validation.js'
import type { TeacherSourceOptions } from '../targets/teacher-source.js'
import type { EvalCase } from '../../data/split.js'
import type { Student, StudentConfig, StudentFamily } from '../../models/student.js'
import type { DistillLosses } from './distill-losses.js'

/** What one student run (runStudent) is asked to do; checkStudentRun judges it first. */
export interface StudentRunOptions {
  data: LoadedData
  modelsDir: string
  /** The student's shape; numItems comes from the data. */
  student: Omit<Partial<StudentConfig>, 'numItems'>
  /** `--student auto`: train several families and keep one (the student's `family` is then not read). */
  auto?: AutoStudent
  losses: DistillLosses
  /** Where the teacher comes from; needed when any loss but `task` is on. */
  teacher?: Omit<TeacherSourceOptions, 'modelsDir' | 'withItemEmbeddings' | 'log'>
  /** Train on each user's latest this many positions only (the teacher's targets too, unless `teacher.perUser` says otherwise); default every position. */
  positionsPerUser?: number
  epochs?: number
  batchSize?: number
  learningRate?: number
  learningRateDecay?: LearningRateDecay
  /** Dropout of the attention student's block while training (default TRAINING_DEFAULTS.student.dropout; the other families have none). */
  dropout?: number
  /** Teacher losses fade to 0 over the epochs when 'linear'. */
  schedule?: 'constant' | 'linear'
  seed: number
  patience?: number
  maxSeconds?: number
  /** Save the trained student as the next version (else train and report only). */
  save: boolean
  /** Progress lines (teacher targets, mixing). */
  log: LogLine
  /** Epoch progress (default: stderr). */
  progress?: ProgressReporter | false
  /** Checked between steps; see TrainLoopOptions.signal. */
  signal?: { readonly aborted: boolean }
  /** Start from a previous version's weights (see warmStart); not disposed. */
  warmFrom?: { model: Student, itemIds: readonly string[] }
  /** Save as exactly this version (the worker's fencing token). */
  version?: number
  /** A saved student of at least this many items gets an ANN index (ANN_MIN_ITEMS; default ANN_MIN_ITEMS_DEFAULT). */
  annMinItems?: number
  /**
   * Judges the trained student before it is saved: a reason to reject it saves it as rejected
   * (on disk for inspection, never loaded by serving). `measured.validNdcg` is the student's
   * NDCG@10 on `data.split.valid` as the training loop took it, when the student holds exactly the
   * weights it was taken on (the best epoch's; not after a train+valid refit).
   */
  gate?: (student: Student, measured: MeasuredStudent) => Promise<{ rejected?: string }>
  /**
   * Multipliers of the teacher losses to try, one student each, keeping the best on validation
   * NDCG@10; 0 is the undistilled student (task loss alone), so a teacher that would make the
   * student worse is weighted down to nothing. Default [1]: the losses as given, one run.
   */
  teacherWeights?: readonly number[]
  /**
   * 'train+valid': once the teacher weight and the epochs were chosen on validation, a fresh
   * student (same seed) trains that many epochs on train plus the validation targets, with the
   * teacher's targets at those positions, and that one is tested. It has seen the targets later
   * runs choose on, so it is never saved. Not with an ensemble teacher (its weights are fitted on
   * validation). Default 'train'.
   */
  fit?: Fit
}

/**
 * `--student auto`: each family trains (with the run's shape, losses and teacher weights) and is
 * judged on the validation users by selectFamily: its validation NDCG@10, its median serving cost
 * against `latencyBudgetMs`, its parameters against `paramRatio` of the teacher's (when the run
 * has a teacher whose size is known; no cap otherwise).
 */
export interface AutoStudent {
  families: readonly StudentFamily[]
  latencyBudgetMs: number
  /**
   * Training seconds per family, shared by its teacher weights' runs; default the run's maxSeconds
   * shared equally between the families (neither: epochs and patience alone).
   */
  familySeconds?: number
  /** The parameter cap as a share of the teacher's parameters; default 0.1. */
  paramRatio?: number
  /** Median ms per request on the validation cases; default servingCostMs. */
  cost?: (student: Student, cases: readonly EvalCase[]) => number
}

/** What a run already measured on the student it hands the gate. */
export interface MeasuredStudent {
  validNdcg?: number
}
