import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { selectFamily, type FamilyFigures } from '../../../src/distill/student/family-selection.js'

const figures: FamilyFigures[] = [
  { family: 'pooling', ndcg: 0.10, costMs: 0.5, params: 1000 },
  { family: 'last-item', ndcg: 0.12, costMs: 2, params: 1200 }
]

describe('selectFamily (the policy of --student auto)', () => {
  it('keeps the best on validation NDCG@10 when every family is within the budget and the cap', () => {
    const s = selectFamily(figures, { latencyBudgetMs: 50, maxParams: 5000 })
    assert.equal(s.chosen, 'last-item')
    assert.match(s.reason, /^last-item: validation NDCG@10 0\.1200, the best of 2 eligible families$/)
    assert.deepEqual(s.candidates.map((c) => c.eligible), [true, true])
  })

  it('picks the cheaper family when the better one is over a tight latency budget', () => {
    const s = selectFamily(figures, { latencyBudgetMs: 1, maxParams: null })
    assert.equal(s.chosen, 'pooling')
    assert.match(s.reason, /the only eligible family/)
    const slow = s.candidates.find((c) => c.family === 'last-item')!
    assert.equal(slow.eligible, false)
    assert.match(slow.why, /^2\.000 ms over the 1 ms budget; no parameter cap$/)
  })

  it('excludes a family over the parameter cap', () => {
    const s = selectFamily(figures, { latencyBudgetMs: 50, maxParams: 1100 })
    assert.equal(s.chosen, 'pooling')
    assert.equal(s.maxParams, 1100)
    assert.match(s.candidates[1].why, /1200 parameters over the cap of 1100/)
    assert.match(s.candidates[0].why, /1000 parameters within the cap of 1100/)
  })

  it('breaks a tie on NDCG@10 by the cheaper serving cost', () => {
    const tied = figures.map((f) => ({ ...f, ndcg: 0.1 }))
    assert.equal(selectFamily(tied, { latencyBudgetMs: 50, maxParams: null }).chosen, 'pooling')
  })

  it('when none is within the cap, keeps the cheapest within the budget and says none was eligible', () => {
    const s = selectFamily(figures, { latencyBudgetMs: 50, maxParams: 10 })
    assert.equal(s.chosen, 'pooling')
    assert.match(s.reason, /^no family is eligible \(none within both the 50 ms budget and the parameter cap of 10\); kept pooling, the cheapest within the 50 ms budget$/)
    assert.ok(s.candidates.every((c) => !c.eligible))
  })

  it('fails with STUDENT_NONE_ELIGIBLE, naming each cost, when none is within the budget', () => {
    assert.throws(() => selectFamily(figures, { latencyBudgetMs: 0.1, maxParams: null }), {
      code: 'STUDENT_NONE_ELIGIBLE',
      message: 'no student family is within the 0.1 ms serving budget: pooling 0.500 ms, last-item 2.000 ms'
    })
  })

  it('treats a cost that could not be measured (NaN) as over the budget', () => {
    const s = selectFamily([{ ...figures[0], costMs: NaN }, figures[1]], { latencyBudgetMs: 50, maxParams: null })
    assert.equal(s.chosen, 'last-item')
    assert.equal(s.candidates[0].eligible, false)
  })
})
