import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { normalCdf, normalQuantile, requiredSample, twoProportionTest } from '../../src/experiments/two-proportion.js'

const close = (actual: number, expected: number, tolerance = 1e-6): void => {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not ${expected} (+-${tolerance})`)
}

describe('the two-proportion z-test', () => {
  it('matches the normal distribution\'s known values', () => {
    close(normalCdf(0), 0.5)
    close(normalCdf(1.96), 0.9750021)
    close(normalCdf(-1.96), 0.0249979)
    close(normalQuantile(0.975), 1.959964)
    close(normalQuantile(0.8), 0.8416212)
    close(normalQuantile(0.001), -3.090232)
  })

  it('gives the textbook answer for 30/100 against 45/100', () => {
    // by hand: pooled p = 75/200 = 0.375, SE = sqrt(0.375 * 0.625 * (1/100 + 1/100)) = 0.0684653,
    // z = 0.15 / 0.0684653 = 2.19089, p = 2 (1 - Phi(2.19089)) = 0.028460;
    // CI: 0.15 +- 1.959964 sqrt(0.3 * 0.7 / 100 + 0.45 * 0.55 / 100) = [0.017430, 0.282570]
    const result = twoProportionTest({ hits: 30, n: 100 }, { hits: 45, n: 100 })
    close(result.control, 0.3)
    close(result.candidate, 0.45)
    close(result.difference, 0.15)
    close(result.z, 2.1908902)
    close(result.pValue, 0.0284597)
    close(result.confidenceInterval[0], 0.0174305)
    close(result.confidenceInterval[1], 0.2825695)
    assert.equal(result.significant, true)
    assert.equal(result.enough, true)
  })

  it('gives 200/1000 against 250/1000 (z = 2.6774, p = 0.00742) and no difference for equal rates', () => {
    const result = twoProportionTest({ hits: 200, n: 1000 }, { hits: 250, n: 1000 })
    close(result.z, 2.6773978)
    close(result.pValue, 0.0074196)
    const equal = twoProportionTest({ hits: 120, n: 1000 }, { hits: 120, n: 1000 })
    assert.equal(equal.z, 0)
    close(equal.pValue, 1)
    assert.equal(equal.significant, false)
    assert.equal(equal.requiredPerArm, null)
    close(equal.confidenceInterval[1], 0.0284836)
  })

  it('says a worse candidate is significant with a negative difference', () => {
    const result = twoProportionTest({ hits: 45, n: 100 }, { hits: 30, n: 100 })
    close(result.z, -2.1908902)
    assert.ok(result.significant && result.difference < 0 && result.confidenceInterval[1] < 0)
  })

  it('needs 3841 lists per arm to tell a 10% from a 12% hit rate at 5% and 80% power', () => {
    close(requiredSample(0.1, 0.12, 0.05, 0.8), 3840.85, 0.01)
  })

  it('is not enough with too few lists, or under minImpressions, and never divides by zero', () => {
    assert.equal(twoProportionTest({ hits: 5, n: 20 }, { hits: 15, n: 20 }).enough, false)
    assert.equal(twoProportionTest({ hits: 300, n: 1000 }, { hits: 450, n: 1000 }, { minImpressions: 5000 }).enough, false)
    const empty = twoProportionTest({ hits: 0, n: 0 }, { hits: 0, n: 0 })
    assert.deepEqual([empty.z, empty.pValue, empty.significant, empty.enough], [0, 1, false, false])
    assert.ok(empty.confidenceInterval.every(Number.isFinite))
  })
})
