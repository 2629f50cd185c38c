import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { PopularityScorer, popularityTieBreak } from '../../src/models/popularity.js'

const seq = (...items: number[]): Int32Array => Int32Array.from(items)

describe('PopularityScorer', () => {
  const scorer = new PopularityScorer({ train: [seq(0, 1, 2), seq(1, 2), seq(2)], numItems: 4 })

  it('scores every item by its train count, whatever the history', () => {
    const [a, b] = scorer.scoreBatch([seq(0), seq()])
    assert.deepEqual(Array.from(a), [1, 2, 3, 0])
    assert.deepEqual(Array.from(b), [1, 2, 3, 0])
    assert.equal(scorer.numItems, 4)
  })

  it('returns a fresh row per history so callers may mask in place', () => {
    const [a, b] = scorer.scoreBatch([seq(0), seq(1)])
    a[2] = -Infinity
    assert.equal(b[2], 3)
    assert.equal(scorer.scoreBatch([seq(0)])[0][2], 3)
  })
})

describe('popularityTieBreak', () => {
  it('keeps popularity order within [0, scale)', () => {
    const prior = popularityTieBreak([0, 5, 2], 1e-3)
    assert.ok(prior[1] > prior[2] && prior[2] > prior[0])
    assert.equal(prior[0], 0)
    assert.ok(prior[1] < 1e-3)
  })
})
