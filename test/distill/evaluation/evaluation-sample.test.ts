import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { EvalCase } from '../../../src/data/split.js'
import { AUTO_MIN_USERS, AUTO_SCORE_BUDGET, evaluatedUsers, sampleCases, sampleMetrics, withEvaluationSample, type SplitData } from '../../../src/distill/evaluation/evaluation-sample.js'

function cases (n: number): EvalCase[] {
  return Array.from({ length: n }, (_, user) => ({ user, history: Int32Array.of(user % 7), target: user % 5 }))
}

function splitData (users: number, items: number): SplitData {
  return { dataset: { items: { size: items } }, split: { train: [], valid: cases(users), test: cases(users) } }
}

describe('sampled evaluation', () => {
  it('keeps every user, the same data object, at or below the limit', () => {
    const data = splitData(100, 50)
    for (const setting of [100, 1000, 'all', 'auto'] as const) {
      const { data: same, sample } = withEvaluationSample(data, setting, 1)
      assert.equal(same, data)
      assert.equal(sample, null)
    }
  })

  it('keeps every user under auto while users x items stays within the budget (MovieLens, Beauty)', () => {
    assert.equal(evaluatedUsers('auto', 6_040, 3_706), 6_040)
    assert.equal(evaluatedUsers('auto', 22_363, 12_101), 22_363)
    // 200,000 users over 533,667 items: the budget's users, never fewer than the floor
    assert.equal(evaluatedUsers('auto', 200_000, 533_667), AUTO_MIN_USERS)
    assert.equal(evaluatedUsers('auto', 200_000, 100_000), AUTO_SCORE_BUDGET / 100_000)
    assert.equal(evaluatedUsers('auto', 3_000, 1_000_000), 3_000)
    assert.equal(evaluatedUsers('all', 200_000, 1_000_000), 200_000)
    assert.equal(evaluatedUsers(500, 200_000, 10), 500)
  })

  it('draws the same users for the same seed, others for another, in their original order and without repeats', () => {
    const all = cases(1000)
    const a = sampleCases(all, 100, 42)
    const b = sampleCases(all, 100, 42)
    const c = sampleCases(all, 100, 43)
    assert.equal(a.length, 100)
    assert.deepEqual(a.map((x) => x.user), b.map((x) => x.user))
    assert.notDeepEqual(a.map((x) => x.user), c.map((x) => x.user))
    const users = a.map((x) => x.user)
    assert.deepEqual(users, [...users].sort((x, y) => x - y))
    assert.equal(new Set(users).size, 100)
    for (const x of a) assert.equal(x, all[x.user], 'the cases themselves, not copies')
  })

  it('cuts validation and test to the limit above it, leaves train alone and says what it kept', () => {
    const data: SplitData = { ...splitData(1000, 50), split: { train: [Int32Array.of(1, 2)], valid: cases(1000), test: cases(900) } }
    const { data: cut, sample } = withEvaluationSample(data, 200, 7)
    assert.equal(cut.split.train, data.split.train)
    assert.equal(cut.split.valid.length, 200)
    assert.equal(cut.split.test.length, 200)
    assert.deepEqual(sample, { seed: 7, valid: { evaluated: 200, of: 1000 }, test: { evaluated: 200, of: 900 } })
    assert.deepEqual(cut.evaluationSample, sample)
    assert.deepEqual(sampleMetrics(sample), { validUsers: 200, validUsersOf: 1000, testUsers: 200, testUsersOf: 900 })
    assert.deepEqual(sampleMetrics(null), {})
    // deterministic: the same seed cuts the same users
    assert.deepEqual(withEvaluationSample(data, 200, 7).data.split.valid.map((c) => c.user), cut.split.valid.map((c) => c.user))
  })
})
