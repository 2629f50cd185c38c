import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Cache } from '../../src/stores/cache.js'

export type MakeCache = () => Cache | Promise<Cache>

const LONG_TTL = 60_000

/** The Cache contract, for the memory twin and every real implementation alike. */
export function cacheContract (name: string, make: MakeCache): void {
  describe(name, () => {
    const open = async (t: TestContext): Promise<Cache> => {
      const cache = await make()
      t.after(async () => await cache.close())
      return cache
    }

    it('misses a key that was never set', async (t) => {
      const cache = await open(t)
      assert.equal(await cache.get('rec:v1:u:absent'), null)
    })

    it('returns what was set, byte for byte', async (t) => {
      const cache = await open(t)
      const every = Buffer.from(Array.from({ length: 256 }, (_, k) => k))
      await cache.set('rec:v1:u:1', every, LONG_TTL)
      await cache.set('rec:v1:u:empty', Buffer.alloc(0), LONG_TTL)
      assert.deepEqual(await cache.get('rec:v1:u:1'), every)
      assert.deepEqual(await cache.get('rec:v1:u:empty'), Buffer.alloc(0))
    })

    it('replaces the value of a key set again', async (t) => {
      const cache = await open(t)
      await cache.set('k', Buffer.from('old'), LONG_TTL)
      await cache.set('k', Buffer.from('new'), LONG_TTL)
      assert.equal((await cache.get('k'))?.toString(), 'new')
    })

    it('keeps keys apart, versions included', async (t) => {
      const cache = await open(t)
      await cache.set('rec:v1:u:7', Buffer.from('one'), LONG_TTL)
      await cache.set('rec:v2:u:7', Buffer.from('two'), LONG_TTL)
      assert.equal((await cache.get('rec:v1:u:7'))?.toString(), 'one')
      assert.equal((await cache.get('rec:v2:u:7'))?.toString(), 'two')
    })

    it('is not changed by later writes to the buffer that was set', async (t) => {
      const cache = await open(t)
      const value = Buffer.from('abc')
      await cache.set('k', value, LONG_TTL)
      value.write('xyz')
      assert.equal((await cache.get('k'))?.toString(), 'abc')
    })

    it('misses an entry once its TTL has passed', async (t) => {
      const cache = await open(t)
      await cache.set('short', Buffer.from('v'), 30)
      await cache.set('long', Buffer.from('v'), LONG_TTL)
      await sleep(120)
      assert.equal(await cache.get('short'), null)
      assert.equal((await cache.get('long'))?.toString(), 'v')
    })

    it('rejects a TTL that is not above 0 with CACHE_INVALID_TTL', async (t) => {
      const cache = await open(t)
      for (const ttl of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await assert.rejects(cache.set('k', Buffer.from('v'), ttl), { code: 'CACHE_INVALID_TTL' })
      }
      assert.equal(await cache.get('k'), null)
    })
  })
}
