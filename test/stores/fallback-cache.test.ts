import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Cache } from '../../src/stores/cache.js'
import { FallbackCache } from '../../src/stores/fallback-cache.js'
import { MemoryCache } from '../../src/stores/memory-cache.js'

/** A primary that works until `down` is set, then fails every call like a lost connection. */
class FlakyCache implements Cache {
  down = false
  readonly inner = new MemoryCache({ maxEntries: 10 })

  async get (key: string): Promise<Buffer | null> {
    this.#check()
    return await this.inner.get(key)
  }

  async set (key: string, value: Buffer, ttlMs: number): Promise<void> {
    this.#check()
    await this.inner.set(key, value, ttlMs)
  }

  async close (): Promise<void> {}

  #check (): void {
    if (this.down) throw new Error("Stream isn't writeable and enableOfflineQueue options is false")
  }
}

function setup (): { primary: FlakyCache, cache: FallbackCache, ops: string[] } {
  const primary = new FlakyCache()
  const ops: string[] = []
  const cache = new FallbackCache(primary, { onError: (_err, op) => { ops.push(op) } })
  return { primary, cache, ops }
}

describe('FallbackCache', () => {
  it('passes hits, misses and sets through while the primary works', async () => {
    const { primary, cache, ops } = setup()
    await cache.set('k', Buffer.from('v'), 1000)
    assert.equal((await primary.inner.get('k'))?.toString(), 'v')
    assert.equal((await cache.get('k'))?.toString(), 'v')
    assert.equal(await cache.get('other'), null)
    assert.deepEqual(ops, [])
  })

  it('turns a failed get into a miss and reports it', async () => {
    const { primary, cache, ops } = setup()
    await cache.set('k', Buffer.from('v'), 1000)
    primary.down = true
    assert.equal(await cache.get('k'), null)
    assert.deepEqual(ops, ['get'])
  })

  it('drops a failed set and reports it', async () => {
    const { primary, cache, ops } = setup()
    primary.down = true
    await cache.set('k', Buffer.from('v'), 1000)
    primary.down = false
    assert.equal(await cache.get('k'), null)
    assert.deepEqual(ops, ['set'])
  })

  it('throws a bad TTL, a caller bug, instead of absorbing it', async () => {
    const { cache, ops } = setup()
    await assert.rejects(cache.set('k', Buffer.from('v'), 0), { code: 'CACHE_INVALID_TTL' })
    assert.deepEqual(ops, [])
  })
})
