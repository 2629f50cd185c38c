import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Metrics } from '../metrics/metrics.js'
import type { Cache } from './cache.js'
import { CircuitCache, CircuitEventLog } from './circuit-stores.js'
import type { EventLog } from './event-log.js'
import { FallbackHistoryStore } from './fallback-history-store.js'
import { FileEventLog } from './file-event-log.js'
import type { HistoryStore } from './history-store.js'
import { MemoryCache } from './memory-cache.js'
import { MemoryHistoryStore } from './memory-history-store.js'
import type { ItemCountsStore } from './item-counts-store.js'
import { MemoryItemCountsStore } from './memory-item-counts-store.js'
import type { ModelStore } from './model-store.js'
import type { VersionChannel } from './version-channel.js'
import { RedisVersionChannel } from './redis-version-channel.js'
import { MemoryVersionChannel } from './memory-version-channel.js'
import type { JobStore } from './job-store.js'
import { MemoryJobStore } from './memory-job-store.js'
import { RedisJobStore } from './redis-job-store.js'
import type { RunLock } from './run-lock.js'
import { MemoryRunLock } from './memory-run-lock.js'
import { RedisRunLock } from './redis-run-lock.js'
import { RedisCache } from './redis-cache.js'
import { RedisCircuit } from './redis-circuit.js'
import { closeRedis, waitForRedis } from './redis-client.js'
import { createRedisConnection } from './redis-connection.js'
import { RedisEventLog } from './redis-event-log.js'
import { RedisHistoryStore } from './redis-history-store.js'
import { RedisItemCountsStore } from './redis-item-counts-store.js'
import { RedisModelStore } from './redis-model-store.js'
import type { ImpressionLog } from './impression-log.js'
import { MemoryImpressionLog } from './memory-impression-log.js'
import { RedisImpressionLog } from './redis-impression-log.js'
import { CircuitImpressionLog } from './circuit-impression-log.js'
import type { ExperimentStore } from './experiment-store.js'
import { MemoryExperimentStore } from './memory-experiment-store.js'
import { RedisExperimentStore } from './redis-experiment-store.js'

const STARTUP_WAIT_MS = 2000

export type RedisState = 'up' | 'down' | 'disabled'

/** Every store the service and the worker use, in memory or in Redis as configured. */
export interface Stores {
  history: HistoryStore
  eventLog: EventLog
  cache: Cache
  /** Where versions are published for other replicas; undefined without Redis (one process). */
  models: ModelStore | undefined
  /** The version every replica serves, announced on activation (in memory without Redis: one process). */
  channel: VersionChannel
  /** Re-distillation jobs and the lock that lets one run at a time, across replicas and workers. */
  jobs: JobStore
  runLock: RunLock
  /** Item popularity seeded by `npm run import`, for replicas that serve without the dataset. */
  itemCounts: ItemCountsStore
  /** What /recommend showed and what was attributed to it (experiments, online metrics). */
  impressions: ImpressionLog
  /** Online experiments, shared by every replica. */
  experiments: ExperimentStore
  redisState: () => RedisState
  /** The history lives in memory and starts empty: the composition root replays the event log into it. */
  historyFromLog: boolean
  close: () => Promise<void>
}

export async function createStores (config: Readonly<Config>, log: Logger, metrics: Metrics): Promise<Stores> {
  const historyTtlMs = config.historyTtlMs ?? undefined
  const memoryHistory = new MemoryHistoryStore({ maxPerUser: config.historyCap, maxUsers: config.memoryHistoryUsers, ttlMs: historyTtlMs })
  if (config.redis === undefined) {
    const cache = new MemoryCache({ maxEntries: config.cacheMaxEntries })
    metrics.redisUp.set(0)
    const eventLog = new FileEventLog({ path: config.eventLogPath })
    const channel = new MemoryVersionChannel()
    return {
      history: memoryHistory,
      eventLog,
      cache,
      models: undefined,
      channel,
      jobs: new MemoryJobStore(),
      runLock: new MemoryRunLock(),
      itemCounts: new MemoryItemCountsStore(),
      impressions: new MemoryImpressionLog({ maxImpressions: config.impressionLogCap, windowMs: config.attributionWindowMs }),
      experiments: new MemoryExperimentStore(),
      redisState: () => 'disabled',
      historyFromLog: true,
      close: async () => {
        await channel.close()
        await eventLog.close()
        await memoryHistory.close()
        await cache.close()
      }
    }
  }

  const redisLog = log.child({ component: 'redis' })
  const client = createRedisConnection(config.redis, { log: redisLog })
  // one breaker for the client: every store on the request path asks it first, readiness and
  // distillrec_redis_up report it, so a stalled Redis counts as down as soon as it stops answering
  const circuit = new RedisCircuit({ client, log: redisLog, onChange: (open) => metrics.redisUp.set(open ? 0 : 1) })
  metrics.redisUp.set(circuit.open ? 0 : 1)
  // the client queues nothing while connecting: give start-up (model versions, item counts) a
  // bounded chance to reach Redis, then serve from memory and let the client reconnect
  if (!(await waitForRedis(client, STARTUP_WAIT_MS))) log.warn({ waitedMs: STARTUP_WAIT_MS }, 'redis not ready at start-up: starting from memory')
  const onError = (store: string) => (err: unknown, op: string): void => {
    metrics.storeErrors.inc({ store, op })
    log.warn({ err, store, op }, 'store operation failed; answered from memory')
  }
  const history = new FallbackHistoryStore(
    new RedisHistoryStore({ client, prefix: config.redisPrefix, maxPerUser: config.historyCap, ttlMs: historyTtlMs }),
    memoryHistory,
    { onError: onError('history'), circuit }
  )
  const eventLog = config.eventLog === 'redis'
    ? new CircuitEventLog(new RedisEventLog({ client, prefix: config.redisPrefix, minReplicas: config.eventMinReplicas, ackTimeoutMs: config.eventAckTimeoutMs }), circuit)
    : new FileEventLog({ path: config.eventLogPath })
  const cache = new CircuitCache(new RedisCache({ client, prefix: config.redisPrefix }), circuit)
  const models = new RedisModelStore({ client, prefix: config.redisPrefix })
  const itemCounts = new RedisItemCountsStore({ client, prefix: config.redisPrefix })
  // a subscribed connection takes no other commands: announcements get one of their own (on a
  // cluster, one per primary: the version channel is sharded there)
  const subscriber = createRedisConnection(config.redis, { log: log.child({ component: 'redis-subscriber' }), shardedSubscribers: true })
  const channel = new RedisVersionChannel({ client, subscriber, prefix: config.redisPrefix })
  const impressions = new CircuitImpressionLog(new RedisImpressionLog({ client, prefix: config.redisPrefix, maxImpressions: config.impressionLogCap, windowMs: config.attributionWindowMs }), circuit)
  return {
    history,
    eventLog,
    cache,
    models,
    itemCounts,
    impressions,
    experiments: new RedisExperimentStore({ client, prefix: config.redisPrefix }),
    channel,
    jobs: new RedisJobStore({ client, prefix: config.redisPrefix }),
    runLock: new RedisRunLock({ client, prefix: config.redisPrefix }),
    redisState: () => circuit.open ? 'down' : 'up',
    historyFromLog: false,
    close: async () => {
      circuit.close()
      await eventLog.close()
      await history.close()
      await cache.close()
      await models.close()
      await channel.close()
      await closeRedis(subscriber)
      await itemCounts.close()
      await impressions.close()
      await closeRedis(client)
    }
  }
}
