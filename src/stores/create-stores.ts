import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Metrics } from '../metrics/metrics.js'
import type { Cache } from './cache.js'
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
import { RedisCache } from './redis-cache.js'
import { closeRedis, createRedisClient, waitForRedis } from './redis-client.js'
import { RedisEventLog } from './redis-event-log.js'
import { RedisHistoryStore } from './redis-history-store.js'
import { RedisItemCountsStore } from './redis-item-counts-store.js'
import { RedisModelStore } from './redis-model-store.js'

const STARTUP_WAIT_MS = 2000

export type RedisState = 'up' | 'down' | 'disabled'

/** Every store the service and the worker use, in memory or in Redis as configured. */
export interface Stores {
  history: HistoryStore
  eventLog: EventLog
  cache: Cache
  /** Where versions are published for other replicas; undefined without Redis (one process). */
  models: ModelStore | undefined
  /** The version every replica serves, announced on activation; undefined without Redis (one process). */
  channel: VersionChannel | undefined
  /** Item popularity seeded by `npm run import`, for replicas that serve without the dataset. */
  itemCounts: ItemCountsStore
  redisState: () => RedisState
  close: () => Promise<void>
}

export async function createStores (config: Readonly<Config>, log: Logger, metrics: Metrics): Promise<Stores> {
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
      models: undefined,
      channel: undefined,
      itemCounts: new MemoryItemCountsStore(),
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
  // the client queues nothing while connecting: give start-up (model versions, item counts) a
  // bounded chance to reach Redis, then serve from memory and let the client reconnect
  if (!(await waitForRedis(client, STARTUP_WAIT_MS))) log.warn({ waitedMs: STARTUP_WAIT_MS }, 'redis not ready at start-up: starting from memory')
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
  const models = new RedisModelStore({ client, prefix: config.redisPrefix })
  const itemCounts = new RedisItemCountsStore({ client, prefix: config.redisPrefix })
  // a subscribed connection takes no other commands: announcements get one of their own
  const subscriber = createRedisClient(config.redisUrl, { log: log.child({ component: 'redis-subscriber' }) })
  const channel = new RedisVersionChannel({ client, subscriber, prefix: config.redisPrefix })
  return {
    history,
    eventLog,
    cache,
    models,
    itemCounts,
    channel,
    redisState: () => up ? 'up' : 'down',
    close: async () => {
      await eventLog.close()
      await history.close()
      await cache.close()
      await models.close()
      await channel.close()
      await closeRedis(subscriber)
      await itemCounts.close()
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
