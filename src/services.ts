import type { Logger } from 'pino'
import type { Config } from './config.js'
import type { Dataset } from './data/dataset.js'
import { buildDataset } from './data/build-dataset.js'
import { readInteractions } from './data/interaction-reader.js'
import { generateSynthetic } from './data/synthetic.js'
import type { RedisState } from './http/health-routes.js'
import { createMetrics, type Metrics } from './metrics/metrics.js'
import { PopularModel } from './serving/popular-model.js'
import { RankedCache } from './serving/ranked-cache.js'
import { Recommender } from './serving/recommender.js'
import { UserHistory } from './serving/user-history.js'
import type { ServingModel } from './serving/serving-model.js'
import type { Cache } from './stores/cache.js'
import type { EventLog } from './stores/event-log.js'
import type { HistoryStore } from './stores/history-store.js'
import { FallbackHistoryStore } from './stores/fallback-history-store.js'
import { FileEventLog } from './stores/file-event-log.js'
import { MemoryCache } from './stores/memory-cache.js'
import { MemoryHistoryStore } from './stores/memory-history-store.js'
import { RedisCache } from './stores/redis-cache.js'
import { closeRedis, createRedisClient } from './stores/redis-client.js'
import { RedisEventLog } from './stores/redis-event-log.js'
import { RedisHistoryStore } from './stores/redis-history-store.js'
import { selectBackend } from './tf/backend.js'

/** Everything the HTTP edge (and later the worker) needs, built from config, closed in one call. */
export interface Services {
  recommender: Recommender
  history: HistoryStore
  eventLog: EventLog
  metrics: Metrics
  model: () => ServingModel
  redisState: () => RedisState
  backend: string
  close: () => Promise<void>
}

export async function createServices (config: Readonly<Config>, log: Logger): Promise<Services> {
  const metrics = createMetrics()
  const backend = await selectBackend(config.tfjsBackend)
  log.info({ backend }, 'TF.js backend selected')

  const dataset = await loadDataset(config, log)
  const model = PopularModel.fromDataset(dataset)
  metrics.modelInfo.set({ version: String(model.version), kind: model.kind, backend }, 1)
  metrics.modelVersion.set(model.version)
  log.info({ version: model.version, kind: model.kind, items: dataset.items.size, users: dataset.users.size }, 'model loaded')

  const stores = await createStores(config, log, metrics)
  const ranked = new RankedCache({
    cache: stores.cache,
    ttlMs: config.cacheTtlMs,
    depth: config.maxK + config.maxHistory,
    onResult: (result) => metrics.cacheRequests.inc({ result }),
    onWriteError: () => metrics.storeErrors.inc({ store: 'cache', op: 'set' })
  })
  const history = new UserHistory(dataset, stores.history)
  const recommender = new Recommender({ model: () => model, history, ranked, maxHistory: config.maxHistory })

  return {
    recommender,
    history: stores.history,
    eventLog: stores.eventLog,
    metrics,
    model: () => model,
    redisState: stores.redisState,
    backend,
    close: stores.close
  }
}

async function loadDataset (config: Readonly<Config>, log: Logger): Promise<Dataset> {
  if (config.dataPath === undefined) {
    log.info({ seed: config.syntheticSeed }, 'DATA_PATH unset: using the built-in synthetic dataset')
    return buildDataset(generateSynthetic({ seed: config.syntheticSeed }))
  }
  const { interactions, file, format } = await readInteractions(config.dataPath, { format: config.dataFormat })
  log.info({ file, format, interactions: interactions.length }, 'dataset read')
  return buildDataset(interactions)
}

interface Stores {
  history: HistoryStore
  eventLog: EventLog
  cache: Cache
  redisState: () => RedisState
  close: () => Promise<void>
}

async function createStores (config: Readonly<Config>, log: Logger, metrics: Metrics): Promise<Stores> {
  const memoryHistory = new MemoryHistoryStore({ maxPerUser: config.historyCap, maxUsers: config.memoryHistoryUsers })
  if (config.redisUrl === undefined) {
    const cache = new MemoryCache({ maxEntries: config.cacheMaxEntries })
    metrics.redisUp.set(0)
    const eventLog = new FileEventLog({ path: config.eventLogPath })
    // the in-memory history starts empty, so it is rebuilt from the durable log
    const replayed = await replay(eventLog, memoryHistory)
    log.info({ events: replayed, path: config.eventLogPath }, 'history replayed from the event log')
    return {
      history: memoryHistory,
      eventLog,
      cache,
      redisState: () => 'disabled',
      close: async () => {
        await eventLog.close()
        await memoryHistory.close()
        await cache.close()
      }
    }
  }

  let up = false
  const client = createRedisClient(config.redisUrl, {
    log: log.child({ component: 'redis' }),
    onStatus: (isUp) => { up = isUp; metrics.redisUp.set(isUp ? 1 : 0) }
  })
  const onError = (store: string) => (err: unknown, op: string): void => {
    metrics.storeErrors.inc({ store, op })
    log.warn({ err, store, op }, 'store operation failed; answered from memory')
  }
  const history = new FallbackHistoryStore(
    new RedisHistoryStore({ client, prefix: config.redisPrefix, maxPerUser: config.historyCap }),
    memoryHistory,
    { onError: onError('history') }
  )
  const eventLog = config.eventLog === 'redis'
    ? new RedisEventLog({ client, prefix: config.redisPrefix })
    : new FileEventLog({ path: config.eventLogPath })
  const cache = new RedisCache({ client, prefix: config.redisPrefix })
  return {
    history,
    eventLog,
    cache,
    redisState: () => up ? 'up' : 'down',
    close: async () => {
      await eventLog.close()
      await history.close()
      await cache.close()
      await closeRedis(client)
    }
  }
}

async function replay (eventLog: EventLog, history: HistoryStore): Promise<number> {
  const byUser = new Map<string, string[]>()
  let count = 0
  for await (const { userId, itemId } of eventLog.readAll()) {
    const items = byUser.get(userId)
    if (items === undefined) byUser.set(userId, [itemId])
    else items.push(itemId)
    count++
  }
  for (const [userId, items] of byUser) await history.append(userId, items)
  return count
}
