import type { TrainingWindow } from '../config.js'
import type { DataFormat } from '../data/interaction-reader.js'
import type { BackendName } from '../tf/backend-name.js'
import type { EvaluationUsers } from '../distill/evaluation/evaluation-sample.js'
import type { WorkerStudent } from './worker-student.js'

/** What the worker's runs read from config: data, schedule, epochs, the gate, the thread. */
export interface WorkerSettings {
  dataPath: string
  dataFormat: DataFormat
  seed: number
  modelsDir: string
  redistillIntervalMs: number | null
  teacherRetrainIntervalMs: number | null
  /** TRAINING_WINDOW: the events a run reads from the log; absent, all of them. */
  trainingWindow?: TrainingWindow
  /** TRAINING_POSITIONS_PER_USER: the student trains on each user's latest this many positions; absent, every one. */
  positionsPerUser?: number
  /** EVAL_MAX_USERS: the users validation and test evaluate (see withEvaluationSample); absent, auto. */
  evalMaxUsers?: EvaluationUsers
  epochs: number
  teacherEpochs: number
  gateTolerance: number
  gateLatencyBudgetMs: number
  /** WORKER_STUDENT: the family each run trains (default keep: the active version's). */
  student?: WorkerStudent
  /** ANN_MIN_ITEMS: a saved student of at least this many items gets an ANN index (as serving reads it). */
  annMinItems?: number
  /** KEEP_VERSIONS: what retention keeps after each activation (see versions/retention.ts). */
  keepVersions: number
  backend?: BackendName
  /** Nice value of the training thread; absent leaves it at the process's. */
  nice?: number
}
