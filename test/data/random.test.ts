import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Random, cumulative } from '../../src/data/random.js'

describe('Random', () => {
  it('gives the same stream for the same seed and a different one for another seed', () => {
    const a = new Random(7)
    const b = new Random(7)
    const c = new Random(8)
    const streamA = Array.from({ length: 20 }, () => a.next())
    assert.deepEqual(Array.from({ length: 20 }, () => b.next()), streamA)
    assert.notDeepEqual(Array.from({ length: 20 }, () => c.next()), streamA)
  })

  it('draws next() in [0, 1) with a mean near 0.5', () => {
    const rng = new Random(1)
    let sum = 0
    for (let i = 0; i < 10_000; i++) {
      const x = rng.next()
      assert.ok(x >= 0 && x < 1)
      sum += x
    }
    assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02)
  })

  it('draws int(n) over every value in [0, n)', () => {
    const rng = new Random(2)
    const seen = new Set<number>()
    for (let i = 0; i < 1000; i++) {
      const k = rng.int(5)
      assert.ok(Number.isInteger(k) && k >= 0 && k < 5)
      seen.add(k)
    }
    assert.equal(seen.size, 5)
  })

  it('draws normal() with mean near 0 and variance near 1', () => {
    const rng = new Random(3)
    const xs = Array.from({ length: 20_000 }, () => rng.normal())
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length
    assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`)
    assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`)
  })

  it('shuffles in place into a permutation, reproducibly', () => {
    const a = new Random(4).shuffle(Array.from({ length: 50 }, (_, i) => i))
    const b = new Random(4).shuffle(Int32Array.from({ length: 50 }, (_, i) => i))
    assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i))
    assert.deepEqual(Array.from(b), a)
    assert.notDeepEqual(a, Array.from({ length: 50 }, (_, i) => i))
  })

  it('draws choiceWeighted in proportion to the weights and never a zero-weight index', () => {
    const rng = new Random(5)
    const cdf = cumulative([1, 0, 3])
    const counts = [0, 0, 0]
    for (let i = 0; i < 8000; i++) counts[rng.choiceWeighted(cdf)]++
    assert.equal(counts[1], 0)
    assert.ok(Math.abs(counts[2] / counts[0] - 3) < 0.3, `ratio ${counts[2] / counts[0]}`)
  })
})
