import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { EvalCase } from '../../src/data/split.js'
import { evaluate } from '../../src/distill/evaluation/evaluate.js'
import type { Scorer } from '../../src/models/scorer.js'
import { gateNdcg } from '../../src/worker/gate-ndcg.js'

/** Scores item (user + shift) % items highest, and records every user it scored. */
function spy (shift: number, items = 20): Scorer & { scored: number[] } {
  const scored: number[] = []
  return {
    name: `spy+${shift}`,
    numItems: items,
    scored,
    scoreBatch (histories: readonly Int32Array[], users?: readonly number[]) {
      return histories.map((_, i) => {
        const user = users![i]
        scored.push(user)
        const row = new Float32Array(items)
        row[(user + shift) % items] = 1
        return row
      })
    }
  } as unknown as Scorer & { scored: number[] }
}

const cases: EvalCase[] = Array.from({ length: 30 }, (_, user) => ({ user, history: Int32Array.of(19 - (user % 3)), target: user % 20 }))

describe('the gate\'s validation figures', () => {
  it('takes the candidate\'s figure from the run when it measured it, and scores only the active student', () => {
    const candidate = spy(0)
    const active = spy(1)
    const g = gateNdcg(candidate, 0.25, active, cases)
    assert.deepEqual(candidate.scored, [], 'the candidate is not evaluated twice')
    assert.deepEqual(active.scored, cases.map((c) => c.user))
    assert.equal(g.candidateNdcg, 0.25)
    assert.equal(g.activeNdcg, evaluate(spy(1), cases, { k: 10 }).ndcg)
    assert.equal(g.reused, true)
  })

  it('scores both on the same users when the run measured nothing', () => {
    const candidate = spy(0)
    const active = spy(1)
    const g = gateNdcg(candidate, undefined, active, cases)
    assert.deepEqual(candidate.scored, active.scored)
    assert.deepEqual(candidate.scored, cases.map((c) => c.user))
    assert.equal(g.reused, false)
    assert.ok(g.candidateNdcg > (g.activeNdcg ?? 1), 'the candidate ranks every target first (where not masked)')
  })

  it('has no active figure before the first student', () => {
    assert.equal(gateNdcg(spy(0), Number.NaN, null, cases).activeNdcg, null)
    assert.equal(gateNdcg(spy(0), Number.NaN, null, cases).reused, false, 'a NaN figure is measured again')
  })
})
