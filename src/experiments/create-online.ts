import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Metrics } from '../metrics/metrics.js'
import type { Recommender } from '../serving/recommender.js'
import type { ImpressionLog } from '../stores/impression-log.js'
import { isUnavailable } from '../stores/store-error.js'
import { Attributor } from './attributor.js'
import { BackgroundTasks } from './background-tasks.js'
import { ImpressionRecorder } from './impression-recorder.js'
import { OnlineRecommender } from './online-recommender.js'

export interface OnlineOptions {
  config: Readonly<Config>
  recommender: Pick<Recommender, 'recommend'>
  impressions: ImpressionLog
  metrics: Metrics
  log: Logger
}

/** The online loop: impressions recorded, events attributed, both off the response path. */
export interface Online {
  recommender: OnlineRecommender
  recorder: ImpressionRecorder
  attributor: Attributor
  tasks: BackgroundTasks
  /** Waits for the impressions and attributions under way. */
  close: () => Promise<void>
}

export function createOnline ({ config, recommender, impressions, metrics, log }: OnlineOptions): Online {
  const onlineLog = log.child({ component: 'online' })
  const tasks = new BackgroundTasks({
    onError: (op, err) => {
      metrics.storeErrors.inc({ store: 'impressions', op })
      // an open breaker is counted, not logged once per request
      if (!isUnavailable(err)) onlineLog.warn({ err, op }, 'impression log operation failed; the request was answered')
    },
    onDropped: (op) => metrics.storeErrors.inc({ store: 'impressions', op: `${op}-dropped` })
  })
  const recorder = new ImpressionRecorder({ log: impressions, tasks, sample: config.impressionSample })
  const attributor = new Attributor({ log: impressions, tasks, windowMs: config.attributionWindowMs })
  return {
    recommender: new OnlineRecommender({ recommender, recorder }),
    recorder,
    attributor,
    tasks,
    close: async () => await tasks.idle()
  }
}
