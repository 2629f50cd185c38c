import { after, before, describe } from 'node:test'
import type { RedisTopology } from '../../src/config.js'
import { closeRedis, type RedisConnection, waitForRedis } from '../../src/stores/redis-client.js'
import { createRedisConnection, type RedisConnectionOptions } from '../../src/stores/redis-connection.js'
import { RedisCache } from '../../src/stores/redis-cache.js'
import { RedisEventLog } from '../../src/stores/redis-event-log.js'
import { RedisHistoryStore } from '../../src/stores/redis-history-store.js'
import { RedisItemCountsStore } from '../../src/stores/redis-item-counts-store.js'
import { RedisJobStore } from '../../src/stores/redis-job-store.js'
import { RedisModelStore } from '../../src/stores/redis-model-store.js'
import { RedisRunLock } from '../../src/stores/redis-run-lock.js'
import { RedisVersionChannel } from '../../src/stores/redis-version-channel.js'
import { cacheContract } from './cache.contract.js'
import { eventLogContract } from './event-log.contract.js'
import { historyStoreContract } from './history-store.contract.js'
import { itemCountsStoreContract } from './item-counts-store.contract.js'
import { jobStoreContract } from './job-store.contract.js'
import { modelStoreContract } from './model-store.contract.js'
import { runLockContract } from './run-lock.contract.js'
import { versionChannelContract } from './version-channel.contract.js'
import { RedisImpressionLog } from '../../src/stores/redis-impression-log.js'
import { RedisExperimentStore } from '../../src/stores/redis-experiment-store.js'
import type { ExperimentStore } from '../../src/stores/experiment-store.js'
import { impressionLogContract } from './impression-log.contract.js'
import { experimentStoreContract } from './experiment-store.contract.js'

/**
 * Every Redis store's contract suite on the deployment `topology()` names (a cluster, or through
 * Sentinel), with connections made as the service makes them (createRedisConnection). Call inside
 * a describe whose `before` starts the deployment; connections close in this block's `after`,
 * before the deployment stops.
 */
export function storeContractsOn (topology: () => RedisTopology): void {
  describe('every store contract', () => {
    const connections: RedisConnection[] = []
    let client: RedisConnection | undefined
    let prefixes = 0
    const prefix = (): string => `contract:${prefixes++}:`
    const connect = async (options: RedisConnectionOptions = {}): Promise<RedisConnection> => {
      const connection = createRedisConnection(topology(), options)
      connections.push(connection)
      if (!(await waitForRedis(connection, 10_000))) throw new Error(`${topology().mode}: not ready within 10 s`)
      return connection
    }
    const shared = (): RedisConnection => {
      if (client === undefined) throw new Error('store contracts: used before `before` ran')
      return client
    }
    /** A store on a connection of its own (another replica's view), closing it with the store. */
    const ownConnection = <S extends { close: () => Promise<void> }>(build: (client: RedisConnection) => S) => async (): Promise<S> => {
      const connection = await connect()
      const store = build(connection)
      const close = store.close.bind(store)
      store.close = async () => { await close(); await closeRedis(connection) }
      return store
    }
    before(async () => { client = await connect() })
    after(async () => { for (const connection of connections) await closeRedis(connection) })

    cacheContract('Cache', () => new RedisCache({ client: shared(), prefix: prefix() }))
    eventLogContract('EventLog', () => new RedisEventLog({ client: shared(), prefix: prefix() }))
    historyStoreContract('HistoryStore', (o) => new RedisHistoryStore({ client: shared(), prefix: prefix(), ...o }))
    itemCountsStoreContract('ItemCountsStore', () => new RedisItemCountsStore({ client: shared(), prefix: prefix() }))
    jobStoreContract('JobStore', () => {
      const p = prefix()
      return ownConnection((connection) => new RedisJobStore({ client: connection, prefix: p }))
    })
    // small chunks, so a version's files spread over several keys (and shards)
    modelStoreContract('ModelStore', () => new RedisModelStore({ client: shared(), prefix: prefix(), chunkBytes: 64 }))
    runLockContract('RunLock', () => {
      const p = prefix()
      return ownConnection((connection) => new RedisRunLock({ client: connection, prefix: p }))
    })
    impressionLogContract('ImpressionLog', (o) => new RedisImpressionLog({ client: shared(), prefix: prefix(), ...o }))
    const experimentPrefixes = new WeakMap<ExperimentStore, string>()
    experimentStoreContract('ExperimentStore', (sameAs) => {
      const p = sameAs === undefined ? prefix() : experimentPrefixes.get(sameAs) ?? prefix()
      const store = new RedisExperimentStore({ client: shared(), prefix: p })
      experimentPrefixes.set(store, p)
      return store
    })
    versionChannelContract('VersionChannel', async () => {
      const subscriber = await connect({ shardedSubscribers: true })
      const channel = new RedisVersionChannel({ client: shared(), subscriber, prefix: prefix() })
      const close = channel.close.bind(channel)
      channel.close = async () => { await close(); await closeRedis(subscriber) }
      return channel
    })
  })
}
