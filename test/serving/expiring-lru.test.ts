import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ExpiringLru } from '../../src/serving/expiring-lru.js'

const keys = (lru: ExpiringLru<number>, names: string[]): string[] => names.filter((k) => lru.get(k) !== undefined)

describe('ExpiringLru', () => {
  it('drops the least recently used entry first when hits come from the older half', () => {
    const lru = new ExpiringLru<number>({ maxEntries: 4, ttlMs: 1000 })
    for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) lru.set(k, i)
    assert.equal(lru.get('a'), 0)
    lru.set('e', 4)
    assert.deepEqual(keys(lru, ['a', 'b', 'c', 'd', 'e']), ['a', 'c', 'd', 'e'])
  })

  it('keeps an entry used since for at least maxEntries / 2 insertions, however hot the newer ones are', () => {
    const lru = new ExpiringLru<number>({ maxEntries: 10, ttlMs: 1000 })
    for (let i = 0; i < 10; i++) lru.set(`k${i}`, i)
    // k9 is among the newest: a hit leaves it in place, and costs no delete and insert
    for (let n = 0; n < 100; n++) assert.equal(lru.get('k9'), 9)
    for (let i = 10; i < 15; i++) lru.set(`k${i}`, i)
    assert.equal(lru.size, 10)
    assert.equal(lru.get('k9'), 9, 'used, then 5 insertions: kept')
    assert.equal(lru.get('k4'), undefined, 'never used: dropped first')
  })

  it('drops an entry that expired or that the caller refuses', () => {
    let now = 0
    const lru = new ExpiringLru<number>({ maxEntries: 10, ttlMs: 100, now: () => now })
    lru.set('a', 1)
    lru.set('b', 2)
    assert.equal(lru.get('a', (v) => v === 2), undefined)
    assert.equal(lru.get('a'), undefined)
    now = 100
    assert.equal(lru.get('b'), undefined)
    assert.equal(lru.size, 0)
  })
})
