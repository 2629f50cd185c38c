import { describe } from 'node:test'
import { MemoryImpressionLog } from '../../src/stores/memory-impression-log.js'
import { RedisImpressionLog } from '../../src/stores/redis-impression-log.js'
import { redisSkipReason, useRedis } from '../helpers/redis.js'
import { impressionLogContract } from './impression-log.contract.js'

impressionLogContract('MemoryImpressionLog honours the ImpressionLog contract', (options) => new MemoryImpressionLog(options))

describe('RedisImpressionLog', { skip: await redisSkipReason() }, () => {
  const redis = useRedis()
  impressionLogContract('honours the ImpressionLog contract', (options) => new RedisImpressionLog({ client: redis.client(), prefix: redis.prefix(), ...options }))
})
