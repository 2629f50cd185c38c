import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { MixtureScorer } from '../../src/models/mixture.js'
import type { Scorer } from '../../src/models/scorer.js'

function fixed (name: string, row: number[]): Scorer {
  return { name, numItems: row.length, scoreBatch: (hs) => hs.map(() => Float32Array.from(row)) }
}

describe('MixtureScorer', () => {
  it('sums the members\' softmax distributions with normalised weights', () => {
    const a = fixed('a', [0, 0, Math.log(2)]) // softmax 1/4, 1/4, 1/2
    const b = fixed('b', [2, 1, 0]) // votes: sharpness 2 / best 2 -> logits 2, 1, 0
    const mix = new MixtureScorer([{ scorer: a, weight: 3 }, { scorer: b, weight: 1, sharpness: 2 }])
    assert.equal(mix.name, 'a+b')
    const [row] = mix.scoreBatch([Int32Array.of(0)])
    const e = [Math.exp(2), Math.exp(1), 1]
    const z = e[0] + e[1] + e[2]
    ;[0.25, 0.25, 0.5].forEach((p, i) => assert.ok(Math.abs(row[i] - (0.75 * p + 0.25 * e[i] / z)) < 1e-6, `item ${i}`))
    assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-6)
  })

  it('refuses members of different catalogues and non-positive weights', () => {
    assert.throws(() => new MixtureScorer([{ scorer: fixed('a', [1, 2]), weight: 1 }, { scorer: fixed('b', [1]), weight: 1 }]), RangeError)
    assert.throws(() => new MixtureScorer([{ scorer: fixed('a', [1, 2]), weight: 0 }]), RangeError)
    assert.throws(() => new MixtureScorer([]), RangeError)
  })
})
