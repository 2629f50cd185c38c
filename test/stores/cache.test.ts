import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryCache } from '../../src/stores/memory-cache.js'
import { RedisCache } from '../../src/stores/redis-cache.js'
import { redisSkipReason, useRedis } from '../helpers/redis.js'
import { cacheContract } from './cache.contract.js'

describe('MemoryCache', () => {
  cacheContract('honours the Cache contract', () => new MemoryCache({ maxEntries: 100 }))

  const v = (s: string): Buffer => Buffer.from(s)

  it('evicts the least recently used entry beyond maxEntries, a get counting as a use', async () => {
    const cache = new MemoryCache({ maxEntries: 2 })
    await cache.set('a', v('1'), 60_000)
    await cache.set('b', v('2'), 60_000)
    await cache.get('a')
    await cache.set('c', v('3'), 60_000)
    assert.equal(await cache.get('b'), null)
    assert.equal((await cache.get('a'))?.toString(), '1')
    assert.equal((await cache.get('c'))?.toString(), '3')
    assert.equal(cache.size, 2)
  })

  it('expires each entry on its own TTL, by the injected clock', async () => {
    let now = 1000
    const cache = new MemoryCache({ maxEntries: 10, now: () => now })
    await cache.set('short', v('s'), 100)
    await cache.set('long', v('l'), 500)
    now = 1099
    assert.equal((await cache.get('short'))?.toString(), 's')
    now = 1100
    assert.equal(await cache.get('short'), null)
    assert.equal((await cache.get('long'))?.toString(), 'l')
    assert.equal(cache.size, 1)
  })

  it('refuses maxEntries that is not a positive integer with STORE_INVALID_OPTION', () => {
    assert.throws(() => new MemoryCache({ maxEntries: 0 }), { code: 'STORE_INVALID_OPTION' })
  })
})

describe('RedisCache', { skip: await redisSkipReason() }, () => {
  const redis = useRedis()
  cacheContract('honours the Cache contract', () => new RedisCache({ client: redis.client(), prefix: redis.prefix() }))

  it('stores key k at <prefix>k with a Redis expiry, rounding a fractional TTL up', async () => {
    const prefix = redis.prefix()
    const cache = new RedisCache({ client: redis.client(), prefix })
    await cache.set('rec:v3:u:1', Buffer.from('x'), 59_999.2)
    const pttl = await redis.client().pttl(`${prefix}rec:v3:u:1`)
    assert.ok(pttl > 59_000 && pttl <= 60_000, `pttl ${pttl}`)
  })
})
