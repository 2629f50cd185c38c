import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AnswerCache } from '../../src/serving/answer-cache.js'
import type { Recommendation } from '../../src/serving/recommendation.js'

const answer = (userId: string, itemId = 'a'): Recommendation => ({
  userId, modelVersion: 1, source: 'student', items: [{ itemId, score: 1, rank: 1 }], ignoredItems: 0
})
const known = (...indices: number[]): { indices: Int32Array, ignored: number } => ({ indices: Int32Array.from(indices), ignored: 0 })

describe('AnswerCache', () => {
  it('answers only the exact history it was stored for, item by item', () => {
    const cache = new AnswerCache({ maxEntries: 10, ttlMs: 1000 })
    cache.set('k', known(1, 2, 3), answer('u'))
    assert.equal(cache.get('k', known(1, 2, 3))?.recommendation.userId, 'u')
    assert.equal(cache.get('k', known(1, 2, 4)), undefined)
    // the failed look-up dropped the stale entry
    assert.equal(cache.get('k', known(1, 2, 3)), undefined)
    cache.set('k', known(1, 2), answer('u'))
    assert.equal(cache.get('k', known(1, 2, 3)), undefined)
    cache.set('k', known(1, 2), answer('u'))
    assert.equal(cache.get('k', { indices: Int32Array.of(1, 2), ignored: 1 }), undefined, 'an unknown item more in the history is another history')
    assert.equal(cache.get('other', known(1, 2)), undefined)
  })

  it('keeps its own copy of the history: a caller reusing its array cannot change an entry', () => {
    const cache = new AnswerCache({ maxEntries: 10, ttlMs: 1000 })
    const history = known(1, 2)
    cache.set('k', history, answer('u'))
    history.indices[0] = 9
    assert.equal(cache.get('k', known(9, 2)), undefined)
  })

  it('expires entries after ttlMs and stores nothing when ttlMs is 0', () => {
    let now = 0
    const cache = new AnswerCache({ maxEntries: 10, ttlMs: 100, now: () => now })
    cache.set('k', known(1), answer('u'))
    now = 99
    assert.ok(cache.get('k', known(1)) !== undefined)
    now = 100
    assert.equal(cache.get('k', known(1)), undefined)
    const off = new AnswerCache({ maxEntries: 10, ttlMs: 0 })
    assert.equal(off.enabled, false)
    off.set('k', known(1), answer('u'))
    assert.equal(off.size, 0)
  })

  it('drops the least recently used entry beyond maxEntries', () => {
    const cache = new AnswerCache({ maxEntries: 2, ttlMs: 1000 })
    cache.set('a', known(1), answer('a'))
    cache.set('b', known(1), answer('b'))
    assert.ok(cache.get('a', known(1)) !== undefined)
    cache.set('c', known(1), answer('c'))
    assert.equal(cache.size, 2)
    assert.equal(cache.get('b', known(1)), undefined)
    assert.ok(cache.get('a', known(1)) !== undefined)
    assert.ok(cache.get('c', known(1)) !== undefined)
  })

  it('freezes a stored answer and its items, which every hit shares', () => {
    const cache = new AnswerCache({ maxEntries: 10, ttlMs: 1000 })
    const stored = answer('u')
    cache.set('k', known(1), stored)
    const hit = cache.get('k', known(1))?.recommendation as Recommendation
    assert.throws(() => { hit.items[0].score = 2 }, TypeError)
    assert.throws(() => { hit.items.push({ itemId: 'b', score: 0, rank: 2 }) }, TypeError)
    assert.throws(() => { hit.modelVersion = 2 }, TypeError)
    assert.throws(() => new AnswerCache({ maxEntries: 0, ttlMs: 1 }), RangeError)
  })
})
