import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RemappedScorer } from '../../src/models/remapped-scorer.js'
import type { Scorer } from '../../src/models/scorer.js'

describe('RemappedScorer', () => {
  it('scores another catalogue by item id: known items keep their scores, unknown ones score -Infinity and leave histories', () => {
    const seen: Int32Array[] = []
    const inner: Scorer = {
      name: 'inner',
      numItems: 3,
      scoreBatch (histories) {
        seen.push(...histories)
        return histories.map((h) => Float32Array.of(10 + h.length, 20, 30))
      }
    }
    // ours: a (inner 2), new, b (inner 0), c (inner 1)
    const scorer = new RemappedScorer(inner, ['b', 'c', 'a'], ['a', 'new', 'b', 'c'])
    assert.equal(scorer.numItems, 4)
    const rows = scorer.scoreBatch([Int32Array.of(0, 1, 3), Int32Array.of(1)])
    assert.deepEqual(seen.map((h) => Array.from(h)), [[2, 1], []])
    assert.deepEqual(Array.from(rows[0]), [30, -Infinity, 12, 20])
    assert.deepEqual(Array.from(rows[1]), [30, -Infinity, 10, 20])
  })
})
