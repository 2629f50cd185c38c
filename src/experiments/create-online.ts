import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Metrics } from '../metrics/metrics.js'
import type { Serving } from '../serving/create-serving.js'
import type { ExperimentStore } from '../stores/experiment-store.js'
import { ARMS, statGroups, type ImpressionLog } from '../stores/impression-log.js'
import { isUnavailable } from '../stores/store-error.js'
import type { VersionChannel } from '../stores/version-channel.js'
import type { VersionSources } from '../versions/version-files.js'
import { Attributor } from './attributor.js'
import { ExperimentControl } from './experiment-control.js'
import { BackgroundTasks } from './background-tasks.js'
import { ExperimentRuntime } from './experiment-runtime.js'
import { ImpressionRecorder } from './impression-recorder.js'
import { onlineFigures, type OnlineFigures } from './online-figures.js'
import { OnlineMetrics } from './online-metrics.js'
import { OnlineRecommender } from './online-recommender.js'

export interface OnlineOptions {
  config: Readonly<Config>
  serving: Pick<Serving, 'registry' | 'recommender' | 'load' | 'recommenderFor' | 'manager'>
  impressions: ImpressionLog
  experiments: ExperimentStore
  /** Where a promotion activates its candidate (activateVersion), and where experiment changes are announced and heard. */
  channel: VersionChannel
  sources: VersionSources
  metrics: Metrics
  log: Logger
}

/** The online loop: impressions recorded, events attributed, experiments followed; all off the response path. */
export interface Online {
  recommender: OnlineRecommender
  recorder: ImpressionRecorder
  attributor: Attributor
  runtime: ExperimentRuntime
  /** Start, promote and stop experiments (the admin routes). */
  control: ExperimentControl
  impressions: ImpressionLog
  metrics: OnlineMetrics
  tasks: BackgroundTasks
  /** The figures of every live version and arm that has impressions (GET /admin/models, the report). */
  figures: () => Promise<OnlineFigures[]>
  /** A version's catalogue size while it is held here. */
  catalogueSize: (version: number) => number | undefined
  start: () => Promise<void>
  /** Stops following experiments, waits for the impressions and attributions under way. */
  close: () => Promise<void>
}

export function createOnline ({ config, serving, impressions, experiments, channel, sources, metrics, log }: OnlineOptions): Online {
  const onlineLog = log.child({ component: 'online' })
  const tasks = new BackgroundTasks({
    onError: (op, err) => {
      // a call the open breaker skipped did not fail, as for every store (distillrec_redis_up says why)
      if (isUnavailable(err)) return
      metrics.storeErrors.inc({ store: 'impressions', op })
      onlineLog.warn({ err, op }, 'online operation failed off the response path; the request was answered')
    },
    onDropped: (op) => metrics.storeErrors.inc({ store: 'impressions', op: `${op}-dropped` })
  })
  // these read the runtime, built below with the recorder, only once requests flow
  const catalogueSize = (version: number): number | undefined =>
    serving.registry.active.version === version ? serving.registry.active.items.size : runtime.catalogueSize(version)
  const online = new OnlineMetrics({ metrics, catalogueSize, live: () => runtime.liveVersions() })
  const recorder = new ImpressionRecorder({
    log: impressions,
    tasks,
    sample: config.impressionSample,
    onRecorded: (impression) => online.shown(impression),
    onAttributed: (attribution) => online.attributed(attribution)
  })
  const runtime = new ExperimentRuntime({
    store: experiments,
    channel,
    serving: { load: serving.load, recommenderFor: serving.recommenderFor, active: () => serving.registry.active.version },
    control: serving.recommender,
    tasks,
    recorder,
    pollMs: config.experimentPollMs,
    windowMs: config.attributionWindowMs,
    log: onlineLog,
    onShadowScored: (overlap, seconds) => {
      metrics.shadowOverlap.observe(overlap)
      metrics.shadowDuration.observe(seconds)
    }
  })
  const attributor = new Attributor({
    log: impressions,
    tasks,
    windowMs: config.attributionWindowMs,
    onAttributed: (attribution) => online.attributed(attribution),
    shadows: () => runtime.shadows()
  })
  return {
    recommender: new OnlineRecommender({ recommender: serving.recommender, recorder, choose: (key) => runtime.choose(key), tasks }),
    recorder,
    attributor,
    runtime,
    control: new ExperimentControl({
      store: experiments,
      runtime,
      channel,
      sources,
      active: () => serving.registry.active.version,
      announce: async (version) => await serving.manager.announce(version),
      log: onlineLog
    }),
    impressions,
    metrics: online,
    tasks,
    catalogueSize,
    figures: async () => {
      const rows: OnlineFigures[] = []
      try {
        for (const version of [...new Set(runtime.liveVersions())]) {
          for (const arm of ARMS) {
            const stats = await impressions.stats(statGroups({ version, arm, experimentId: null })[0])
            if (stats.impressions > 0) rows.push(onlineFigures(version, arm, stats, catalogueSize(version)))
          }
        }
      } catch (err) {
        // the versions and the report still answer without the online figures
        onlineLog.warn({ err: (err as Error).message }, 'online figures unavailable')
        return []
      }
      return rows
    },
    start: async () => await runtime.start(),
    close: async () => {
      await runtime.close()
      await tasks.idle()
    }
  }
}
