import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gateVerdict, type GateInput } from '../../src/worker/validation-gate.js'

/** A candidate that passes every check against an active student at 0.30. */
const pass: GateInput = { candidateNdcg: 0.3, activeNdcg: 0.3, tolerance: 0.02, finite: true, latencyMs: 2, latencyBudgetMs: 50, force: false }

describe('the validation gate', () => {
  it('lets through a candidate as good as the active student, and one with no active student to beat', () => {
    assert.equal(gateVerdict(pass), undefined)
    assert.equal(gateVerdict({ ...pass, candidateNdcg: 0.31 }), undefined)
    assert.equal(gateVerdict({ ...pass, candidateNdcg: 0.01, activeNdcg: null }), undefined)
  })

  it('accepts a candidate within the tolerance below the active student, and rejects one past it', () => {
    // floor = 0.30 * (1 - 0.02) = 0.294
    assert.equal(gateVerdict({ ...pass, candidateNdcg: 0.2941 }), undefined)
    assert.equal(gateVerdict({ ...pass, candidateNdcg: 0.294 }), undefined)
    const reason = gateVerdict({ ...pass, candidateNdcg: 0.2939 })
    assert.match(reason ?? '', /below the active student's 0\.3000/)
    assert.match(reason ?? '', /0\.2940/)
  })

  it('with no tolerance, rejects anything below the active student', () => {
    assert.equal(gateVerdict({ ...pass, tolerance: 0 }), undefined)
    assert.match(gateVerdict({ ...pass, tolerance: 0, candidateNdcg: 0.2999 }) ?? '', /below the active student/)
  })

  it('rejects non-finite weights or a non-finite metric, even when forced and with no active student', () => {
    assert.match(gateVerdict({ ...pass, finite: false }) ?? '', /not all finite/)
    assert.match(gateVerdict({ ...pass, finite: false, force: true, activeNdcg: null }) ?? '', /not all finite/)
    assert.match(gateVerdict({ ...pass, candidateNdcg: Number.NaN, force: true }) ?? '', /NDCG@10 is NaN/)
    assert.match(gateVerdict({ ...pass, candidateNdcg: Infinity, activeNdcg: null }) ?? '', /NDCG@10 is Infinity/)
  })

  it('rejects a candidate over the latency budget, even when forced; exactly on budget passes', () => {
    assert.match(gateVerdict({ ...pass, latencyMs: 50.01 }) ?? '', /latency 50\.01 ms exceeds the budget of 50 ms/)
    assert.match(gateVerdict({ ...pass, latencyMs: 51, force: true, activeNdcg: null }) ?? '', /exceeds the budget/)
    assert.match(gateVerdict({ ...pass, latencyMs: Number.NaN }) ?? '', /exceeds the budget/)
    assert.equal(gateVerdict({ ...pass, latencyMs: 50 }), undefined)
  })

  it('force skips only the quality comparison', () => {
    assert.equal(gateVerdict({ ...pass, candidateNdcg: 0.01, force: true }), undefined)
    assert.notEqual(gateVerdict({ ...pass, candidateNdcg: 0.01, force: false }), undefined)
  })
})
