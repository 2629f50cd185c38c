import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { closeRedis, type RedisConnection, waitForRedis } from '../../src/stores/redis-client.js'
import { createRedisConnection } from '../../src/stores/redis-connection.js'
import { RedisEventLog } from '../../src/stores/redis-event-log.js'
import { type RedisDeployment, startRedisSentinels, topologySkipReason } from '../helpers/redis-topology.js'
import { events, withIds } from './event-log.contract.js'
import { storeContractsOn } from './store-contracts.js'

/** Ports 7110-7114: this file's own. */
const BASE_PORT = 7110

describe('the Redis stores through Sentinel (primary, replica, 3 sentinels)', { skip: topologySkipReason() }, () => {
  let sentinels: RedisDeployment | undefined
  let client: RedisConnection | undefined
  const started = (): { sentinels: RedisDeployment, client: RedisConnection } => {
    if (sentinels === undefined || client === undefined) throw new Error('sentinels not started')
    return { sentinels, client }
  }
  before(async () => {
    sentinels = await startRedisSentinels({ basePort: BASE_PORT })
    client = createRedisConnection(sentinels.topology)
    assert.ok(await waitForRedis(client, 10_000))
  })
  after(async () => {
    if (client !== undefined) await closeRedis(client)
    await sentinels?.stop()
  })

  storeContractsOn(() => started().sentinels.topology)

  it('acknowledges an append with minReplicas 1 once the replica has it', async (t) => {
    const log = new RedisEventLog({ client: started().client, prefix: 'wait1:', minReplicas: 1, ackTimeoutMs: 400 })
    assert.deepEqual(await log.append(withIds(events(3), ['a', 'b', 'c'])), { added: 3 })
    const replica = new Redis(started().sentinels.ports[1], '127.0.0.1')
    t.after(async () => { await replica.quit() })
    assert.equal(await replica.xlen('wait1:events'), 3, 'WAIT returned: the replica has every entry')
  })

  it('refuses an append that too few replicas had in time (EVENT_NOT_REPLICATED), and a retry adds nothing twice', async () => {
    const log = new RedisEventLog({ client: started().client, prefix: 'wait2:', minReplicas: 2, ackTimeoutMs: 50 })
    const batch = withIds(events(2), ['x', 'y'])
    await assert.rejects(log.append(batch), (err: Error & { code?: string }) => err.code === 'EVENT_NOT_REPLICATED' && /1 of 2 replicas/.test(err.message))
    await assert.rejects(log.append(batch), { code: 'EVENT_NOT_REPLICATED' })
    const enough = new RedisEventLog({ client: started().client, prefix: 'wait2:', minReplicas: 1, ackTimeoutMs: 400 })
    assert.deepEqual(await enough.append(batch), { added: 0 }, 'the first attempt was logged on the primary')
    assert.equal(await started().client.xlen('wait2:events'), 2)
  })
})
