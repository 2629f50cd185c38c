import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryModelStore } from '../../src/stores/memory-model-store.js'
import { RedisModelStore } from '../../src/stores/redis-model-store.js'
import { redisSkipReason, useRedis } from '../helpers/redis.js'
import { blobs, modelStoreContract } from './model-store.contract.js'

describe('MemoryModelStore', () => {
  modelStoreContract('honours the ModelStore contract', () => new MemoryModelStore())
})

describe('RedisModelStore', { skip: await redisSkipReason() }, () => {
  const redis = useRedis()
  modelStoreContract('honours the ModelStore contract', () => new RedisModelStore({ client: redis.client(), prefix: redis.prefix() }))

  it('keeps a version as one hash under <prefix>model:<role>:v<version>', async () => {
    const prefix = redis.prefix()
    const store = new RedisModelStore({ client: redis.client(), prefix })
    await store.publish('student', 4, blobs('h'))
    assert.deepEqual((await redis.client().hkeys(`${prefix}model:student:v4`)).sort(), ['items.json', 'manifest.json', 'model.json', 'weights.bin'])
    assert.deepEqual(await redis.client().zrange(`${prefix}model:student:versions`, 0, -1), ['4'])
  })

  it('removes a version\'s hash and its member of the set together', async () => {
    const prefix = redis.prefix()
    const store = new RedisModelStore({ client: redis.client(), prefix })
    await store.publish('student', 4, blobs('h'))
    await store.publish('student', 5, blobs('i'))
    assert.equal(await store.remove('student', 4), true)
    assert.equal(await redis.client().exists(`${prefix}model:student:v4`), 0)
    assert.deepEqual(await redis.client().zrange(`${prefix}model:student:versions`, 0, -1), ['5'])
  })

  it('lets one of two concurrent publishers of a version win, whole', async () => {
    const store = new RedisModelStore({ client: redis.client(), prefix: redis.prefix() })
    const results = await Promise.all([store.publish('student', 9, blobs('one')), store.publish('student', 9, blobs('two!'))])
    assert.deepEqual(results.sort(), [false, true])
    const files = await store.files('student', 9)
    assert.ok(files !== null)
    assert.ok([blobs('one'), blobs('two!')].some((b) => Buffer.compare(b['weights.bin'], files['weights.bin']) === 0 && Buffer.compare(b['manifest.json'], files['manifest.json']) === 0))
  })
})
