import type { LoadedData } from '../training/training-data.js'
import type { LearningRateDecay } from '../training/schedule.js'
import type { ProgressReporter } from '../training/progress.js'
import type { Fit } from '../training/fold-validation.js'
import type { TeacherConfig } from '../../models/teacher.js'
import type { TeacherLoss } from './train-teacher.js'

/** What one teacher run (runTeacher) is asked to do; checkTeacherRun judges it first. */
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
  /**
   * 'train+valid': after the run on train chose its epochs on validation, a fresh teacher (same
   * seed) trains that many epochs on train plus the validation targets, and that one is tested.
   * It has seen the targets later runs choose on, so it is never saved. Default 'train'.
   */
  fit?: Fit
}
