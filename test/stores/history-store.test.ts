import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryHistoryStore } from '../../src/stores/memory-history-store.js'
import { RedisHistoryStore } from '../../src/stores/redis-history-store.js'
import { redisSkipReason, useRedis } from '../helpers/redis.js'
import { historyStoreContract } from './history-store.contract.js'

describe('MemoryHistoryStore', () => {
  historyStoreContract('honours the HistoryStore contract', (o) => new MemoryHistoryStore(o))

  it('drops the least recently appended user beyond maxUsers', async () => {
    const store = new MemoryHistoryStore({ maxPerUser: 5, maxUsers: 2 })
    await store.append('a', ['1'])
    await store.append('b', ['2'])
    await store.append('a', ['3'])
    await store.append('c', ['4'])
    assert.deepEqual(await store.recent('b', 5), [])
    assert.deepEqual(await store.recent('a', 5), ['1', '3'])
    assert.deepEqual(await store.recent('c', 5), ['4'])
  })

  it('refuses a cap that is not a positive integer with STORE_INVALID_OPTION', () => {
    for (const maxPerUser of [0, -1, 2.5]) {
      assert.throws(() => new MemoryHistoryStore({ maxPerUser }), { code: 'STORE_INVALID_OPTION' })
    }
  })

  it('hands out copies: changing a returned list changes nothing stored', async () => {
    const store = new MemoryHistoryStore({ maxPerUser: 5 })
    await store.append('a', ['1', '2'])
    const seen = await store.recent('a', 5)
    seen.push('x')
    assert.deepEqual(await store.recent('a', 5), ['1', '2'])
  })
})

describe('RedisHistoryStore', { skip: await redisSkipReason() }, () => {
  const redis = useRedis()
  historyStoreContract('honours the HistoryStore contract', (o) =>
    new RedisHistoryStore({ client: redis.client(), prefix: redis.prefix(), ...o }))

  it('keeps one capped list per user under the key <prefix>hist:u:<userId>', async () => {
    const prefix = redis.prefix()
    const store = new RedisHistoryStore({ client: redis.client(), prefix, maxPerUser: 3 })
    await store.append('17', ['a', 'b', 'c', 'd'])
    assert.deepEqual(await redis.client().lrange(`${prefix}hist:u:17`, 0, -1), ['b', 'c', 'd'])
  })
})
