import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseStudentSelection, type StudentSelection } from '../../src/models/student-selection.js'

const selection: StudentSelection = {
  chosen: 'pooling',
  reason: 'pooling: validation NDCG@10 0.1000, the only eligible family',
  latencyBudgetMs: 1,
  maxParams: null,
  candidates: [
    { family: 'pooling', ndcg: 0.1, costMs: 0.5, params: 1000, eligible: true, why: '0.500 ms within the 1 ms budget; no parameter cap' },
    { family: 'last-item', ndcg: 0.12, costMs: 2, params: 1200, eligible: false, why: '2.000 ms over the 1 ms budget; no parameter cap' }
  ]
}
const fail = (reason: string): Error => Object.assign(new Error(reason), { code: 'ARTIFACT_INVALID' })

describe('a manifest\'s selection (how --student auto chose the family)', () => {
  it('reads back what was written', () => {
    assert.deepEqual(parseStudentSelection(JSON.parse(JSON.stringify(selection)), fail), selection)
  })

  it('refuses a malformed one, naming the field', () => {
    const bad = (edit: (s: Record<string, unknown>) => void): unknown => { const s = JSON.parse(JSON.stringify(selection)); edit(s); return s }
    assert.throws(() => parseStudentSelection(bad((s) => { s.chosen = 'gru' }), fail), /selection\.chosen is "gru", expected one of pooling, last-item/)
    assert.throws(() => parseStudentSelection(bad((s) => { s.candidates = [] }), fail), /selection\.candidates is not a non-empty array/)
    assert.throws(() => parseStudentSelection(bad((s) => { (s.candidates as Array<Record<string, unknown>>)[1].eligible = 'no' }), fail), /selection\.candidates\[1\]\.eligible is not a boolean/)
    assert.throws(() => parseStudentSelection(bad((s) => { s.candidates = [(s.candidates as unknown[])[1]] }), fail), /selection\.chosen pooling is not one of its candidates/)
    assert.throws(() => parseStudentSelection(bad((s) => { s.maxParams = '10' }), fail), /selection\.maxParams is not a number/)
    assert.throws(() => parseStudentSelection([], fail), /selection is not an object/)
  })
})
