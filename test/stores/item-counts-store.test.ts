import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryItemCountsStore } from '../../src/stores/memory-item-counts-store.js'
import { RedisItemCountsStore, itemCountsKey } from '../../src/stores/redis-item-counts-store.js'
import { redisSkipReason, useRedis } from '../helpers/redis.js'
import { itemCountsStoreContract } from './item-counts-store.contract.js'

describe('MemoryItemCountsStore', () => {
  itemCountsStoreContract('honours the ItemCountsStore contract', () => new MemoryItemCountsStore())
})

describe('RedisItemCountsStore', { skip: await redisSkipReason() }, () => {
  const redis = useRedis()
  itemCountsStoreContract('honours the ItemCountsStore contract', () =>
    new RedisItemCountsStore({ client: redis.client(), prefix: redis.prefix() }))

  it('keeps every total in one hash under <prefix>items:counts', async () => {
    const prefix = redis.prefix()
    const store = new RedisItemCountsStore({ client: redis.client(), prefix })
    await store.add(new Map([['17', 3], ['4', 1]]))
    assert.equal(itemCountsKey(prefix), `${prefix}items:counts`)
    assert.deepEqual(await redis.client().hgetall(`${prefix}items:counts`), { 17: '3', 4: '1' })
  })

  it('adds and reads a catalogue spanning many batches of batchSize fields', async () => {
    const store = new RedisItemCountsStore({ client: redis.client(), prefix: redis.prefix(), batchSize: 7 })
    const many = new Map(Array.from({ length: 50 }, (_, i) => [`i${i}`, i]))
    await store.add(many)
    many.delete('i0')
    assert.deepEqual(await store.read(), many)
  })

  it('refuses a batchSize that is not a positive integer with STORE_INVALID_OPTION', () => {
    assert.throws(() => new RedisItemCountsStore({ client: redis.client(), prefix: 'x:', batchSize: 0 }), { code: 'STORE_INVALID_OPTION' })
  })

  it('leaves the caller\'s client open on close', async () => {
    const store = new RedisItemCountsStore({ client: redis.client(), prefix: redis.prefix() })
    await store.close()
    assert.equal(await redis.client().ping(), 'PONG')
  })
})
