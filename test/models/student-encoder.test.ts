import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Random } from '../../src/data/random.js'
import { StudentEncoder, type StudentWeightValues } from '../../src/models/student-encoder.js'
import { denseInputs, type StudentConfig } from '../../src/models/student-config.js'
import { servedScore } from './served-score.js'

function randomEncoder (config: StudentConfig): { encoder: StudentEncoder, weights: StudentWeightValues } {
  const rng = new Random(config.seed)
  const values = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.next() * 2 - 1)
  const { numItems, dim, window, dense, itemBias } = config
  const weights: StudentWeightValues = {
    items: values((numItems + 1) * dim),
    positionWeights: values(window),
    ...(dense ? { denseKernel: values(denseInputs(config) * dim * dim), denseBias: values(dim) } : {}),
    ...(itemBias ? { itemBias: values(numItems) } : {})
  }
  return { encoder: new StudentEncoder(config, weights), weights }
}

/**
 * Brute force: the score with only the positions holding `kept` pooled (every other position's
 * weight set to 0), less the score with no position pooled. What the item alone scores cancels.
 */
function isolated (config: StudentConfig, weights: StudentWeightValues, history: Int32Array, item: number, kept: number): number {
  const take = Math.min(config.window, history.length)
  const only = new Float32Array(config.window)
  for (let j = 0; j < take; j++) {
    if (history[history.length - take + j] === kept) only[config.window - take + j] = weights.positionWeights![config.window - take + j]
  }
  const withItem = new StudentEncoder(config, { ...weights, positionWeights: only })
  const without = new StudentEncoder(config, { ...weights, positionWeights: new Float32Array(config.window) })
  return servedScore(withItem, history, item) - servedScore(without, history, item)
}

const near = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a), Math.abs(b))

describe('StudentEncoder.explain', () => {
  for (const [name, shape] of [['dense with item bias', { dense: true, itemBias: true }], ['pooling only', { dense: false, itemBias: false }]] as const) {
    it(`equals a brute-force attribution, item by item (${name})`, () => {
      const config: StudentConfig = { numItems: 30, dim: 6, window: 5, seed: 11, ...shape }
      const { encoder, weights } = randomEncoder(config)
      // item 4 twice (both count), and items 20, 21 before the window (they count for nothing)
      const history = Int32Array.of(20, 21, 4, 7, 4, 9, 12)
      const targets = Int32Array.of(0, 3, 4, 15, 29)
      const explained = encoder.explain(history, targets)
      assert.equal(explained.length, targets.length)
      const inWindow = [...new Set(history.subarray(history.length - config.window))]
      for (const [t, target] of targets.entries()) {
        const shares = inWindow.map((kept) => ({ kept, share: isolated(config, weights, history, target, kept) }))
        const best = shares.reduce((a, b) => (b.share > a.share ? b : a))
        assert.equal(explained[t].item, best.kept, `item ${target}: ${JSON.stringify(shares)}`)
        assert.ok(near(explained[t].contribution, best.share), `item ${target}: ${explained[t].contribution} vs ${best.share}`)
        // the shares and what the item scores alone make up the whole score: nothing is left out
        const alone = servedScore(new StudentEncoder(config, { ...weights, positionWeights: new Float32Array(config.window) }), history, target)
        const total = shares.reduce((sum, s) => sum + s.share, alone)
        assert.ok(near(total, servedScore(encoder, history, target)))
        for (const outside of [20, 21]) assert.equal(isolated(config, weights, history, target, outside), 0)
      }
    })
  }

  it('explains an item again, for another history, as a fresh encoder does (the item\'s kept projection is its own)', () => {
    for (const family of ['pooling', 'last-item'] as const) {
      const config: StudentConfig = { numItems: 40, dim: 6, window: 5, seed: 13, dense: true, itemBias: true, family }
      const { encoder, weights } = randomEncoder(config)
      const targets = Int32Array.of(1, 8, 8, 30)
      const first = encoder.explain(Int32Array.of(3, 5, 7), targets)
      assert.deepEqual(encoder.explain(Int32Array.of(3, 5, 7), targets), first)
      // items explained before (8, 30) and new ones (2, 35), for another history
      const other = Int32Array.of(11, 12, 11, 13, 14, 15)
      const again = Int32Array.of(8, 2, 30, 35)
      assert.deepEqual(encoder.explain(other, again), new StudentEncoder(config, weights).explain(other, again))
      // a catalogue too large to keep projections for: each is computed anew, to the same figures
      const unkept = new StudentEncoder(config, weights, { keptProjectionsMax: 0 })
      assert.deepEqual(unkept.explain(other, again), encoder.explain(other, again))
    }
  })

  it('names the one item of a one-item history with its whole share', () => {
    const config: StudentConfig = { numItems: 10, dim: 4, window: 3, seed: 5, dense: true, itemBias: true }
    const { encoder, weights } = randomEncoder(config)
    const [only] = encoder.explain(Int32Array.of(6), Int32Array.of(2))
    assert.equal(only.item, 6)
    assert.ok(near(only.contribution, isolated(config, weights, Int32Array.of(6), 2, 6)))
    assert.throws(() => encoder.explain(new Int32Array(0), Int32Array.of(2)), RangeError)
  })
})
