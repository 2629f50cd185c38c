import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { SYNTHETIC } from '../data/read-dataset.js'
import type { Metrics } from '../metrics/metrics.js'
import type { Stores } from '../stores/create-stores.js'
import type { Canary } from '../versions/canary.js'
import { JobControl } from './job-control.js'
import type { Execute } from './job-runner.js'
import { RedistillWorker } from './redistill-worker.js'
import { workerStudent } from './worker-student.js'

/** How long a run's lock lives without renewal (the worker renews it every third of this). */
export const RUN_LOCK_TTL_MS = 30_000

export interface CreateWorkerOptions {
  config: Readonly<Config>
  stores: Stores
  metrics: Metrics
  log: Logger
  /** The admin API's control, when the process has one; else one over the same stores. */
  control?: JobControl
  /** Tests run in-process; the default is a worker thread. */
  execute?: Execute
  /** The student version the replica embedding the worker serves: retention never removes it. */
  served?: () => number | null
  /** CANARY_PERCENT > 0: the canary the composition root built (experiments/canary.ts). */
  canary?: Canary
}

/** Starting, reading and cancelling runs over the job store and the run lock. */
export function createJobControl (stores: Pick<Stores, 'jobs' | 'runLock'>): JobControl {
  return new JobControl({ jobs: stores.jobs, lock: stores.runLock, lockTtlMs: RUN_LOCK_TTL_MS })
}

/** The re-distillation worker over the stores, as `npm start` embeds it and `npm run worker` runs it. */
export function createWorker ({ config, stores, metrics, log, control = createJobControl(stores), execute, served, canary }: CreateWorkerOptions): RedistillWorker {
  return new RedistillWorker({
    execute,
    settings: {
      dataPath: config.dataPath ?? SYNTHETIC,
      dataFormat: config.dataFormat,
      seed: config.syntheticSeed,
      modelsDir: config.modelsDir,
      redistillIntervalMs: config.redistillIntervalMs,
      teacherRetrainIntervalMs: config.teacherRetrainIntervalMs,
      trainingWindow: config.trainingWindow,
      positionsPerUser: config.trainingPositionsPerUser ?? undefined,
      evalMaxUsers: config.evalMaxUsers,
      epochs: config.redistillEpochs,
      teacherEpochs: config.teacherEpochs,
      gateTolerance: config.gateTolerance,
      gateLatencyBudgetMs: config.gateLatencyBudgetMs,
      student: workerStudent(config.workerStudent),
      annMinItems: config.annMinItems,
      keepVersions: config.keepVersions,
      backend: config.tfjsBackend,
      nice: config.trainingNice
    },
    control,
    jobs: stores.jobs,
    lock: stores.runLock,
    channel: stores.channel,
    models: stores.models,
    eventLog: stores.eventLog,
    metrics,
    log,
    served,
    canary
  })
}
