import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
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

  it('forgets the oldest eventIds past maxEventIds and applies those again', async () => {
    const store = new MemoryHistoryStore({ maxPerUser: 10, maxEventIds: 2 })
    await store.append('a', ['1', '2', '3'], ['x', 'y', 'z'])
    await store.append('a', ['1'], ['x'])
    await store.append('a', ['3'], ['z'])
    assert.deepEqual(await store.recent('a', 10), ['1', '2', '3', '1'])
  })

  it('forgets idle users by the injected clock, and drops them from memory at the next append', async () => {
    let now = 1000
    const store = new MemoryHistoryStore({ maxPerUser: 5, ttlMs: 100, now: () => now })
    await store.append('a', ['1'])
    await store.append('b', ['2'])
    now = 1099
    assert.deepEqual(await store.recent('a', 5), ['1'])
    await store.append('b', ['3'])
    now = 1100
    assert.deepEqual(await store.recent('a', 5), [])
    assert.deepEqual(await store.recent('b', 5), ['2', '3'])
    await store.append('c', ['4'])
    assert.equal(store.users, 2, 'a is gone, b and c remain')
    now = 1199
    await store.append('c', ['5'])
    assert.equal(store.users, 1, 'b expired at 1199')
  })

  it('refuses a cap that is not a positive integer with STORE_INVALID_OPTION', () => {
    for (const maxPerUser of [0, -1, 2.5]) {
      assert.throws(() => new MemoryHistoryStore({ maxPerUser }), { code: 'STORE_INVALID_OPTION' })
    }
    assert.throws(() => new MemoryHistoryStore({ maxPerUser: 5, ttlMs: 0 }), { code: 'STORE_INVALID_OPTION' })
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

  it('remembers an applied eventId under <prefix>hist:seen:<eventId> for dedupeTtlMs', async () => {
    const prefix = redis.prefix()
    const store = new RedisHistoryStore({ client: redis.client(), prefix, maxPerUser: 3, dedupeTtlMs: 60_000 })
    await store.append('17', ['a', 'b'], ['x', undefined])
    const ttl = await redis.client().pttl(`${prefix}hist:seen:x`)
    assert.ok(ttl > 59_000 && ttl <= 60_000, `ttl ${ttl}`)
    assert.deepEqual(await redis.client().keys(`${prefix}hist:seen:*`), [`${prefix}hist:seen:x`])
  })

  it('gives the list <prefix>hist:u:<userId> a TTL of ttlMs, restarted by every append', async () => {
    const prefix = redis.prefix()
    const key = `${prefix}hist:u:17`
    const store = new RedisHistoryStore({ client: redis.client(), prefix, maxPerUser: 3, ttlMs: 3_600_000 })
    await store.append('17', ['a'], ['x'])
    const first = await redis.client().pttl(key)
    assert.ok(first > 3_590_000 && first <= 3_600_000, `pttl ${first}`)
    for (const eventIds of [['y'], ['x']]) {
      await redis.client().pexpire(key, 1000)
      await store.append('17', ['b'], eventIds)
      const again = await redis.client().pttl(key)
      assert.ok(again > 3_590_000, `pttl after an append of ${eventIds[0]}: ${again}`)
    }
  })

  it('sets no TTL on the list without ttlMs', async () => {
    const prefix = redis.prefix()
    const store = new RedisHistoryStore({ client: redis.client(), prefix, maxPerUser: 3 })
    await store.append('17', ['a'])
    assert.equal(await redis.client().pttl(`${prefix}hist:u:17`), -1)
  })

  it('applies an eventId again once it is forgotten', async () => {
    const store = new RedisHistoryStore({ client: redis.client(), prefix: redis.prefix(), maxPerUser: 3, dedupeTtlMs: 30 })
    await store.append('u', ['a'], ['x'])
    await sleep(60)
    await store.append('u', ['a'], ['x'])
    assert.deepEqual(await store.recent('u', 5), ['a', 'a'])
  })

  it('appends a list longer than one RPUSH chunk, trimmed to the cap', async () => {
    const store = new RedisHistoryStore({ client: redis.client(), prefix: redis.prefix(), maxPerUser: 2500 })
    const many = Array.from({ length: 3000 }, (_, k) => `i${k}`)
    await store.append('u', many, many.map((_, k) => k % 2 === 0 ? `e${k}` : undefined))
    assert.deepEqual(await store.recent('u', 5000), many.slice(500))
  })
})
