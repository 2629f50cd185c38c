import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Measured } from '../../bench/quality-measure.js'
import { summarise, summaryRows } from '../../bench/quality-summary.js'

function row (model: string, ndcg: number, extra: Partial<Measured> = {}): Measured {
  return {
    model,
    ndcg,
    hr: ndcg * 2,
    mrr: ndcg,
    coverage: 0.5,
    tailRecall: NaN,
    tailCases: 0,
    users: 10,
    params: null,
    artifactKb: null,
    usPerRequest: 100,
    trainSeconds: 1,
    teacherOverlap: null,
    ...extra
  }
}

describe('quality summary', () => {
  it('gives the mean and sample standard deviation per model, in first-seen order', () => {
    const summary = summarise([row('teacher', 0.1), row('student', 0.2, { params: 50 }), row('teacher', 0.3), row('student', 0.2, { params: 50 })])
    assert.deepEqual(summary.map((s) => [s.model, s.seeds]), [['teacher', 2], ['student', 2]])
    assert.ok(Math.abs(summary[0].ndcg!.mean - 0.2) < 1e-12)
    assert.ok(Math.abs(summary[0].ndcg!.std - Math.sqrt(0.02)) < 1e-12)
    assert.deepEqual(summary[1].ndcg, { mean: 0.2, std: 0 })
    assert.equal(summary[0].params, null, 'figures a model does not have stay empty')
    assert.equal(summary[0].tailRecall, null, 'NaN figures are left out')
  })

  it('shows spread only when there is some, and dashes for missing figures', () => {
    const [teacher, student] = summaryRows(summarise([row('teacher', 0.1), row('teacher', 0.3), row('student', 0.2, { params: 50 })]))
    assert.equal(teacher[1], '0.2000 ± 0.1414')
    assert.equal(teacher[4], '0.500', 'catalogue coverage')
    assert.equal(teacher[5], '–')
    assert.equal(student[1], '0.2000')
    assert.equal(student[7], '50')
    assert.equal(student[11], '–', 'no serving cost measured')
    const [served] = summaryRows(summarise([row('student', 0.2, { servingUs: 25.04 }), row('student', 0.2, { servingUs: 25.04 })]))
    assert.equal(served[11], '25.0')
  })

  it('shows a failed row with its reason, and a row failed on some seeds with the figures of the others', () => {
    const summary = summarise([
      row('teacher', 0.1), { model: 'student + hint', failed: 'no teacher embeddings' },
      row('teacher', 0.3), { model: 'teacher', failed: 'out of memory' }, row('student + hint', 0.2)
    ])
    assert.deepEqual(summary.map((s) => [s.model, s.seeds, s.failed]), [['teacher', 2, ['out of memory']], ['student + hint', 1, ['no teacher embeddings']]])
    const [teacher, student] = summaryRows(summary)
    assert.equal(teacher[0], 'teacher (failed on 1 of 3 seeds: out of memory)')
    assert.equal(teacher[1], '0.2000 ± 0.1414')
    assert.equal(student[0], 'student + hint (failed on 1 of 2 seeds: no teacher embeddings)')
    const [alone] = summaryRows(summarise([{ model: 'student', failed: 'boom' }, { model: 'student', failed: 'boom' }]))
    assert.deepEqual(alone.slice(0, 3), ['student (failed: boom)', '–', '–'])
  })
})
