import { after, before, describe } from 'node:test'
import { type RedisDeployment, startRedisSentinels, topologySkipReason } from '../helpers/redis-topology.js'
import { storeContractsOn } from './store-contracts.js'

/** Ports 7110-7114: this file's own. */
const BASE_PORT = 7110

describe('the Redis stores through Sentinel (primary, replica, 3 sentinels)', { skip: topologySkipReason() }, () => {
  let sentinels: RedisDeployment | undefined
  before(async () => { sentinels = await startRedisSentinels({ basePort: BASE_PORT }) })
  after(async () => await sentinels?.stop())
  storeContractsOn(() => {
    if (sentinels === undefined) throw new Error('sentinels not started')
    return sentinels.topology
  })
})
