import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OldestKey } from '../../src/data/oldest-key.js'
import { Random } from '../../src/data/random.js'

describe('OldestKey', () => {
  it('evicts what map.keys().next() names, through inserts, LRU moves, deletes and table rebuilds', () => {
    const map = new Map<string, number>()
    const reference = new Map<string, number>()
    const oldest = new OldestKey(map)
    const rng = new Random(3)
    let next = 0
    for (let step = 0; step < 200_000; step++) {
      const roll = rng.next()
      // an existing key moved to the end (an LRU touch), a key deleted from the middle, or a new key
      const key = roll < 0.2 && next > 0 ? `k${Math.floor(rng.next() * next)}` : `k${next++}`
      if (roll > 0.95) {
        map.delete(key)
        reference.delete(key)
      } else {
        map.delete(key)
        map.set(key, step)
        reference.delete(key)
        reference.set(key, step)
      }
      while (map.size > 500) {
        const expected = reference.keys().next().value
        reference.delete(expected as string)
        assert.equal(oldest.evict(), expected, `step ${step}`)
      }
    }
    assert.deepEqual([...map.keys()], [...reference.keys()])
  })

  it('peeks at the oldest entry without moving it, through inserts, moves with new values, deletes and evictions', () => {
    const map = new Map<string, { step: number }>()
    const reference = new Map<string, { step: number }>()
    const oldest = new OldestKey(map)
    const rng = new Random(5)
    let next = 0
    for (let step = 0; step < 100_000; step++) {
      const roll = rng.next()
      const key = roll < 0.3 && next > 0 ? `k${Math.floor(rng.next() * next)}` : `k${next++}`
      if (roll > 0.9) {
        map.delete(key)
        reference.delete(key)
      } else {
        const value = { step }
        map.delete(key)
        map.set(key, value)
        reference.delete(key)
        reference.set(key, value)
      }
      const first = reference.entries().next().value
      assert.deepEqual(oldest.peek(), first, `step ${step}`)
      if (roll < 0.05 || map.size > 300) {
        reference.delete(first![0])
        assert.equal(oldest.evict(), first![0], `step ${step}`)
      }
    }
  })

  it('answers undefined on an empty map, and follows keys added after it ran dry', () => {
    const map = new Map<string, number>()
    const oldest = new OldestKey(map)
    assert.equal(oldest.evict(), undefined)
    map.set('a', 1)
    map.set('b', 2)
    assert.equal(oldest.evict(), 'a')
    assert.equal(oldest.evict(), 'b')
    assert.equal(oldest.evict(), undefined)
    assert.equal(oldest.peek(), undefined)
    map.set('c', 3)
    assert.deepEqual(oldest.peek(), ['c', 3])
    assert.equal(oldest.evict(), 'c')
    assert.equal(map.size, 0)
  })
})
