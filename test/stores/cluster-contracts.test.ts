import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Cluster } from 'ioredis'
import { closeRedis, waitForRedis } from '../../src/stores/redis-client.js'
import { createRedisConnection } from '../../src/stores/redis-connection.js'
import { RedisEventLog } from '../../src/stores/redis-event-log.js'
import { RedisHistoryStore } from '../../src/stores/redis-history-store.js'
import { RedisModelStore } from '../../src/stores/redis-model-store.js'
import { RedisVersionChannel } from '../../src/stores/redis-version-channel.js'
import { type RedisDeployment, startRedisCluster, topologySkipReason } from '../helpers/redis-topology.js'
import { events, withIds } from './event-log.contract.js'
import { blobs } from './model-store.contract.js'
import { storeContractsOn } from './store-contracts.js'

/** Ports 7100-7105 (and their bus ports + 10000): this file's own. */
const BASE_PORT = 7100

describe('the Redis stores on a Redis Cluster (3 primaries, 3 replicas)', { skip: topologySkipReason() }, () => {
  let cluster: RedisDeployment | undefined
  let client: Cluster | undefined
  const started = (): { cluster: RedisDeployment, client: Cluster } => {
    if (cluster === undefined || client === undefined) throw new Error('cluster not started')
    return { cluster, client }
  }
  before(async () => {
    cluster = await startRedisCluster({ basePort: BASE_PORT })
    client = createRedisConnection(cluster.topology) as Cluster
    assert.ok(await waitForRedis(client, 10_000))
  })
  after(async () => {
    if (client !== undefined) await closeRedis(client)
    await cluster?.stop()
  })

  storeContractsOn(() => started().cluster.topology)

  /** How many of the primaries hold at least one key under `pattern`. */
  const primariesHolding = async (pattern: string): Promise<number> => {
    let holding = 0
    for (const node of started().client.nodes('master')) {
      const [, keys] = await node.scan('0', 'MATCH', pattern, 'COUNT', 10_000)
      if (keys.length > 0) holding++
    }
    return holding
  }

  it('spreads the histories of different users over the primaries, each with its applied eventIds', async () => {
    const store = new RedisHistoryStore({ client: started().client, prefix: 'spread:', maxPerUser: 10 })
    for (let u = 0; u < 30; u++) await store.append(`u${u}`, ['a', 'b'], [`e${u}`, undefined])
    assert.equal(await primariesHolding('spread:hist:{u:*'), 3)
    assert.equal(await started().client.call('CLUSTER', 'KEYSLOT', 'spread:hist:{u:7}'), await started().client.call('CLUSTER', 'KEYSLOT', 'spread:hist:seen:{u:7}:e7'))
    assert.deepEqual(await store.recent('u7', 10), ['a', 'b'])
  })

  it('spreads the chunks of one model version over the primaries', async () => {
    const store = new RedisModelStore({ client: started().client, prefix: 'chunks:', chunkBytes: 16 })
    assert.equal(await store.publish('student', 1, blobs('spread')), true)
    assert.equal(await primariesHolding('chunks:model:student:v1:*'), 3)
    assert.deepEqual(await store.files('student', 1), blobs('spread'))
    assert.equal(await store.remove('student', 1), true)
    assert.equal(await primariesHolding('chunks:*'), 0)
  })

  it('announces versions on a sharded channel: SSUBSCRIBE on the shard that owns it', async (t) => {
    const subscriber = createRedisConnection(started().cluster.topology, { shardedSubscribers: true })
    t.after(async () => await closeRedis(subscriber))
    assert.ok(await waitForRedis(subscriber, 10_000))
    const channel = new RedisVersionChannel({ client: started().client, subscriber, prefix: 'sharded:' })
    t.after(async () => await channel.close())
    const heard: number[] = []
    t.after(await channel.subscribe((m) => { if (m.kind === 'version') heard.push(m.version) }))
    const counts = await Promise.all(started().client.nodes('master').map(async (node) => await node.call('PUBSUB', 'SHARDNUMSUB', 'sharded:{model:student}:activated') as [string, number]))
    assert.deepEqual(counts.map(([, n]) => Number(n)).sort(), [0, 0, 1])
    assert.equal(await channel.activate(3), true)
    for (let i = 0; i < 200 && !heard.includes(3); i++) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.ok(heard.includes(3))
    // npm run activate announces with its one connection as the subscriber: still sharded, still heard
    const announcer = new RedisVersionChannel({ client: started().client, subscriber: started().client, prefix: 'sharded:' })
    assert.equal(await announcer.activate(4), true)
    for (let i = 0; i < 200 && !heard.includes(4); i++) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.ok(heard.includes(4))
    // experiment changes travel the same sharded channel (SPUBLISH routed to the shard that owns it)
    const experiments: number[] = []
    t.after(await channel.subscribe((m) => { if (m.kind === 'experiment') experiments.push(m.id) }))
    await announcer.announceExperiment(6)
    for (let i = 0; i < 200 && !experiments.includes(6); i++) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.deepEqual(experiments, [6])
  })

  it('refuses a cluster subscriber without shardedSubscribers, which could not hear SPUBLISH', async (t) => {
    const plain = createRedisConnection(started().cluster.topology)
    t.after(async () => await closeRedis(plain))
    assert.throws(() => new RedisVersionChannel({ client: started().client, subscriber: plain, prefix: 'x:' }), /shardedSubscribers/)
  })

  it('waits for the replica of the primary that owns the event stream (WAIT on that node)', async () => {
    // the longest wait allowed: on a loaded machine a replica can lag past the default 250 ms
    const log = new RedisEventLog({ client: started().client, prefix: 'wait:', minReplicas: 1, ackTimeoutMs: 400 })
    assert.deepEqual(await log.append(withIds(events(2), ['a', 'b'])), { added: 2 })
    const tooMany = new RedisEventLog({ client: started().client, prefix: 'wait:', minReplicas: 2, ackTimeoutMs: 50 })
    await assert.rejects(tooMany.append(withIds(events(1), ['c'])), { code: 'EVENT_NOT_REPLICATED' })
  })
})
