import { describe } from 'node:test'
import { MemoryExperimentStore } from '../../src/stores/memory-experiment-store.js'
import { RedisExperimentStore } from '../../src/stores/redis-experiment-store.js'
import { redisSkipReason, useRedis } from '../helpers/redis.js'
import { experimentStoreContract } from './experiment-store.contract.js'

// the twin is one process: another replica's view is the same object
experimentStoreContract('MemoryExperimentStore honours the ExperimentStore contract', (sameAs) => sameAs ?? new MemoryExperimentStore())

describe('RedisExperimentStore', { skip: await redisSkipReason() }, () => {
  const redis = useRedis()
  const prefixes = new WeakMap<object, string>()
  experimentStoreContract('honours the ExperimentStore contract', (sameAs) => {
    const prefix = sameAs === undefined ? redis.prefix() : prefixes.get(sameAs) as string
    const store = new RedisExperimentStore({ client: redis.client(), prefix })
    prefixes.set(store, prefix)
    return store
  })
})
