import type { Logger } from 'pino'
import type { Config } from './config.js'
import type { Dataset } from './data/dataset.js'
import { readItemMetadata, type ItemInfo } from './data/item-metadata.js'
import { readDataset, SYNTHETIC } from './data/read-dataset.js'
import { EventIngest } from './events/ingest.js'
import { createOnline, type Online } from './experiments/create-online.js'
import { canaryFor } from './experiments/canary.js'
import { replay } from './events/replay.js'
import { createMetrics, type Metrics } from './metrics/metrics.js'
import { createServing, type Serving } from './serving/create-serving.js'
import { servedDataset } from './serving/served-dataset.js'
import { UserHistory } from './serving/user-history.js'
import { createStores, type RedisState, type Stores } from './stores/create-stores.js'
import type { EventLog } from './stores/event-log.js'
import type { HistoryStore } from './stores/history-store.js'
import { selectBackend } from './tf/backend.js'
import { createJobControl, createWorker } from './worker/create-worker.js'
import type { JobControl } from './worker/job-control.js'
import type { RedistillWorker } from './worker/redistill-worker.js'

/** Everything the HTTP edge needs, built from config, closed in one call. */
export interface Services {
  serving: Serving
  /** POST /events: log, history, and the serving caches of the users it changed. */
  ingest: EventIngest
  /** Impressions, attribution (and experiments): what /recommend and POST /events feed. */
  online: Online
  history: HistoryStore
  eventLog: EventLog
  metrics: Metrics
  redisState: () => RedisState
  backend: string
  /** Starting, reading and cancelling re-distillation runs (the admin API). */
  control: JobControl
  stores: Stores
  /** The embedded worker (WORKER=embedded), started by `startWorker`. */
  worker: RedistillWorker | undefined
  close: () => Promise<void>
}

export async function createServices (config: Readonly<Config>, log: Logger): Promise<Services> {
  const started = performance.now()
  const metrics = createMetrics()
  const backend = await selectBackend(config.tfjsBackend)
  log.info({ backend }, 'TF.js backend selected')

  // the dataset's large id maps are packed and left to the collector: serving keeps only this
  const served = await loadDataset(config, log).then((dataset) => dataset === undefined ? undefined : servedDataset(dataset))
  const metadata = await loadMetadata(config, log)
  const stores = await createStores(config, log, metrics)
  if (stores.historyFromLog) {
    const events = await replay(stores.eventLog, stores.history)
    log.info({ events, path: config.eventLogPath }, 'history replayed from the event log')
  }
  const serving = await createServing({
    config,
    stores,
    history: new UserHistory(served?.dataset, stores.history),
    counts: served?.counts ?? await storedCounts(stores, log),
    metadata,
    metrics,
    backend,
    log
  })
  log.info({ version: serving.registry.active.version, kind: serving.registry.active.kind, ms: Math.round(performance.now() - started) }, 'ready to serve')

  const online = createOnline({
    config,
    serving,
    impressions: stores.impressions,
    experiments: stores.experiments,
    channel: stores.channel,
    sources: { modelsDir: config.modelsDir, store: stores.models },
    metrics,
    log
  })
  await online.start()
  const ingest = new EventIngest({
    eventLog: stores.eventLog,
    history: stores.history,
    onIngested: (count) => metrics.eventsIngested.inc(count),
    onAccepted: (events) => online.attributor.attribute(events),
    onUserChanged: (userId) => serving.vectors.invalidate(serving.registry.active.version, userId)
  })
  const control = createJobControl(stores)
  const worker = config.worker === 'embedded'
    ? createWorker({ config, stores, control, metrics, log: log.child({ component: 'worker' }), served: () => serving.registry.student, canary: canaryFor(config, stores) })
    : undefined
  return {
    serving,
    ingest,
    online,
    history: stores.history,
    eventLog: stores.eventLog,
    metrics,
    redisState: stores.redisState,
    backend,
    control,
    stores,
    worker,
    close: async () => {
      await worker?.stop()
      await online.close()
      await serving.close()
      await stores.close()
    }
  }
}

/** Without the dataset, popularity comes from what `npm run import` stored; none is not fatal. */
async function storedCounts (stores: Stores, log: Logger): Promise<Map<string, number>> {
  try {
    const counts = await stores.itemCounts.read()
    if (counts.size === 0) log.warn('no item counts in Redis (run npm run import): cold users get items in catalogue order')
    return counts
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'item counts unavailable: cold users get items in catalogue order')
    return new Map()
  }
}

/** DATA_PATH, else the seeded synthetic set; none for DATA_PATH=none (histories and counts in Redis). */
async function loadDataset (config: Readonly<Config>, log: Logger): Promise<Dataset | undefined> {
  if (config.dataPath === 'none') {
    log.info('DATA_PATH=none: serving from the history store and the item counts in Redis')
    return undefined
  }
  const started = performance.now()
  const { dataset, source, format, events } = await readDataset(config.dataPath ?? SYNTHETIC, config.dataFormat, config.syntheticSeed)
  log.info({ source, format, events, users: dataset.users.size, items: dataset.items.size, ms: Math.round(performance.now() - started) }, 'dataset read')
  return dataset
}

async function loadMetadata (config: Readonly<Config>, log: Logger): Promise<ReadonlyMap<string, ItemInfo>> {
  if (config.itemsPath === undefined) return new Map()
  const { items, file, format } = await readItemMetadata(config.itemsPath)
  log.info({ file, format, items: items.size }, 'item metadata read')
  return items
}
