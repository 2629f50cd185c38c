import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RankedCache, type CacheResult } from '../../src/serving/ranked-cache.js'
import type { RankedItems } from '../../src/serving/servable.js'
import type { Cache } from '../../src/stores/cache.js'
import { StoreUnavailableError } from '../../src/stores/store-error.js'

const RANKED: RankedItems = { items: Int32Array.from([3, 1, 2]), scores: Float32Array.from([0.9, 0.5, 0.1]) }

/** A cache port that fails every call with `error`, counting the writes it was asked for. */
function failing (error: Error): Cache & { writes: number } {
  return {
    writes: 0,
    async get () { throw error },
    async set () { this.writes++; throw error },
    async close () {}
  }
}

describe('RankedCache', () => {
  it('computes without a write-back or a reported write error while the cache port says it is unavailable', async () => {
    const cache = failing(new StoreUnavailableError())
    const results: CacheResult[] = []
    const writeErrors: unknown[] = []
    const ranked = new RankedCache({ cache, ttlMs: 1000, depth: 3, onResult: (r) => results.push(r), onWriteError: (e) => writeErrors.push(e) })
    assert.deepEqual(await ranked.rank('k', 3, async () => RANKED), RANKED)
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual([results, cache.writes, writeErrors.length], [['error'], 0, 0])
  })

  it('computes and still tries the write after another failure, reporting the write error', async () => {
    const cache = failing(new Error('ECONNRESET'))
    const writeErrors: unknown[] = []
    const ranked = new RankedCache({ cache, ttlMs: 1000, depth: 3, onWriteError: (e) => writeErrors.push(e) })
    assert.deepEqual(await ranked.rank('k', 3, async () => RANKED), RANKED)
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual([cache.writes, writeErrors.length], [1, 1])
  })
})
