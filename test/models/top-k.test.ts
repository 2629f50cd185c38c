import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { topK, topKOf } from '../../src/models/top-k.js'
import { Random } from '../../src/data/random.js'

function reference (scores: Float32Array, k: number, excluded: (i: number) => boolean = () => false) {
  return Array.from(scores, (score, index) => ({ index, score }))
    .filter(({ index, score }) => !excluded(index) && !Number.isNaN(score))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, Math.max(0, k))
}

describe('topK', () => {
  it('matches a sort-based reference on random data, including many ties', () => {
    const rng = new Random(9)
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + rng.int(200)
      const k = rng.int(n + 5)
      // Half the trials draw from few distinct values so that ties are common.
      const levels = trial % 2 === 0 ? 5 : 0
      const scores = Float32Array.from({ length: n }, () => (levels > 0 ? rng.int(levels) : rng.normal()))
      assert.deepEqual(topK(scores, k), reference(scores, k), `trial ${trial} n=${n} k=${k}`)
    }
  })

  it('leaves out indices excluded by a mask or a predicate', () => {
    const rng = new Random(10)
    for (let trial = 0; trial < 100; trial++) {
      const n = 1 + rng.int(100)
      const scores = Float32Array.from({ length: n }, () => rng.int(4))
      const mask = Uint8Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0))
      const expected = reference(scores, 7, (i) => mask[i] === 1)
      assert.deepEqual(topK(scores, 7, mask), expected)
      assert.deepEqual(topK(scores, 7, (i) => mask[i] === 1), expected)
    }
  })

  it('orders best first and breaks ties by lower index', () => {
    const scores = Float32Array.from([0.5, 0.75, 0.5, 0.75, 0.25])
    assert.deepEqual(topK(scores, 3), [{ index: 1, score: 0.75 }, { index: 3, score: 0.75 }, { index: 0, score: 0.5 }])
  })

  it('returns fewer than k when fewer items remain, and nothing for k <= 0', () => {
    const scores = Float32Array.from([3, 1, 2])
    assert.deepEqual(topK(scores, 10, Uint8Array.from([0, 1, 0])).map((s) => s.index), [0, 2])
    assert.deepEqual(topK(scores, 0), [])
    assert.deepEqual(topK(new Float32Array(0), 5), [])
  })

  it('never returns NaN scores and handles infinities', () => {
    const scores = Float32Array.from([NaN, -Infinity, Infinity, 1])
    assert.deepEqual(topK(scores, 4).map((s) => s.index), [2, 3, 1])
  })

  it('gives the same answer when a smaller call follows a larger one (reused buffers)', () => {
    const big = Float32Array.from({ length: 1000 }, (_, i) => i % 17)
    topK(big, 500)
    const small = Float32Array.from([1, 4, 2])
    assert.deepEqual(topK(small, 2), [{ index: 1, score: 4 }, { index: 2, score: 2 }])
  })
})

describe('topKOf', () => {
  it('ranks labelled candidates in any order as topK ranks the labels, ties by lower label', () => {
    const rng = new Random(11)
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + rng.int(200)
      const k = rng.int(n + 5)
      const levels = trial % 2 === 0 ? 5 : 0
      // labels: a shuffled subset of 0..2n-1; the reference scores every label, NaN where not a candidate
      const labels = Array.from({ length: 2 * n }, (_, i) => i).sort(() => rng.next() - 0.5).slice(0, n)
      const scores = Float32Array.from({ length: n }, () => (rng.next() < 0.05 ? NaN : levels > 0 ? rng.int(levels) : rng.normal()))
      const byLabel = new Float32Array(2 * n).fill(NaN)
      labels.forEach((label, j) => { byLabel[label] = scores[j] })
      const want = reference(byLabel, k)
      // a longer buffer than count: only the first count candidates are read
      const got = topKOf(Int32Array.from([...labels, 0]), Float32Array.from([...scores, 1e9]), n, k)
      assert.deepEqual(Array.from(got.items), want.map((w) => w.index), `trial ${trial} n=${n} k=${k}`)
      assert.deepEqual(Array.from(got.scores), want.map((w) => w.score))
    }
    assert.equal(topKOf(Int32Array.of(1), Float32Array.of(1), 1, 0).items.length, 0)
  })
})
