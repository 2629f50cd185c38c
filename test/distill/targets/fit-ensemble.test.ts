import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { EvalCase } from '../../../src/data/split.js'
import { Random } from '../../../src/data/random.js'
import { ensembleLabel, ensembleScorer, fitEnsemble, fittedEnsembleTargets } from '../../../src/distill/targets/fit-ensemble.js'
import { mixTeacherTargets, scorerTargets } from '../../../src/distill/targets/teacher-targets.js'
import { trainingPositions } from '../../../src/distill/training/training-positions.js'
import { evaluate } from '../../../src/distill/evaluation/evaluate.js'
import type { Scorer } from '../../../src/models/scorer.js'

const NUM_ITEMS = 40
const rng = new Random(7)
const cases: EvalCase[] = Array.from({ length: 300 }, (_, user) => ({ user, history: Int32Array.of(rng.int(NUM_ITEMS)), target: rng.int(NUM_ITEMS) }))

/** Knows the target of the cases `knows` picks (scores it 8), random below 4 elsewhere. */
function scorer (name: string, knows: (user: number) => boolean, seed: number): Scorer {
  return {
    name,
    numItems: NUM_ITEMS,
    scoreBatch (histories, users) {
      return users!.map((user) => {
        const noise = new Random(seed * 100_003 + user)
        const row = Float32Array.from({ length: NUM_ITEMS }, () => noise.next() * 4)
        if (knows(user)) row[cases[user].target] = 8
        return row
      })
    }
  }
}

describe('fitEnsemble', () => {
  it('gives the better component the larger weight', () => {
    const good = scorer('good', (u) => u % 10 < 7, 1)
    const noise = scorer('noise', () => false, 2)
    const fitted = fitEnsemble([{ scorer: noise }, { scorer: good }], cases)
    assert.ok(fitted.memberNdcg[1] > fitted.memberNdcg[0] + 0.3, `good ${fitted.memberNdcg[1]}, noise ${fitted.memberNdcg[0]}`)
    assert.ok(fitted.weights[1] > 0.6 && fitted.weights[1] > fitted.weights[0], `weights ${fitted.weights.join(', ')}`)
    assert.ok(fitted.ndcg >= fitted.memberNdcg[1])
    assert.ok(Math.abs(fitted.weights[0] + fitted.weights[1] - 1) < 1e-9)
  })

  it('fits on candidate sets above denseMaxItems: the dense fit when every item is kept, the same choice from a few', () => {
    const a = scorer('a', (u) => u % 3 === 0, 3)
    const b = scorer('b', (u) => u % 3 === 1, 4)
    const noise = scorer('noise', () => false, 5)
    const members = [{ scorer: a }, { scorer: noise, sharpness: 5 }, { scorer: b }]
    const dense = fitEnsemble(members, cases)
    const all = fitEnsemble(members, cases, { denseMaxItems: 0, candidates: NUM_ITEMS })
    assert.deepEqual(all.weights, dense.weights)
    assert.ok(Math.abs(all.ndcg - dense.ndcg) < 1e-9)
    all.memberNdcg.forEach((x, m) => assert.ok(Math.abs(x - dense.memberNdcg[m]) < 1e-9, `member ${m}: ${x} vs ${dense.memberNdcg[m]}`))
    const few = fitEnsemble(members, cases, { denseMaxItems: 0, candidates: 5 })
    assert.ok(few.weights[0] > 0 && few.weights[2] > 0 && few.weights[1] < few.weights[0], `weights ${few.weights.join(', ')}`)
    // an item a member did not keep gets 0 from it, so the target's rank can only look better: an upper bound
    few.memberNdcg.forEach((x, m) => assert.ok(x >= dense.memberNdcg[m] - 1e-9, `member ${m}: ${x} vs ${dense.memberNdcg[m]}`))
    assert.ok(few.ndcg >= dense.ndcg - 1e-9)
  })

  it('mixes components that know different cases, beating each alone, and the fitted scorer evaluates as fitted', () => {
    const evens = scorer('evens', (u) => u % 2 === 0, 3)
    const odds = scorer('odds', (u) => u % 2 === 1, 4)
    const members = [{ scorer: evens }, { scorer: odds }]
    const fitted = fitEnsemble(members, cases)
    assert.ok(fitted.weights.every((w) => w > 0), `weights ${fitted.weights.join(', ')}`)
    assert.ok(fitted.ndcg > Math.max(...fitted.memberNdcg) + 0.2, `mixture ${fitted.ndcg}, members ${fitted.memberNdcg.join(', ')}`)
    const result = evaluate(ensembleScorer(members, fitted.weights), cases, { k: 10 })
    assert.ok(Math.abs(result.ndcg - fitted.ndcg) < 1e-6, `${result.ndcg} against ${fitted.ndcg}`)
  })

  it('fits on a seeded sample of the cases when there are more than maxCases', () => {
    const good = scorer('good', (u) => u % 10 < 7, 1)
    const a = fitEnsemble([{ scorer: good }], cases, { maxCases: 50, seed: 3 })
    const b = fitEnsemble([{ scorer: good }], cases, { maxCases: 50, seed: 3 })
    assert.equal(a.cases, 50)
    assert.deepEqual(a, b)
  })

  it('gives the fitted ensemble\'s targets: the teacher\'s own where it is kept, the other kept members\' at its positions, mixed by weight', () => {
    const train = [Int32Array.of(1, 2, 3), Int32Array.of(4, 5)]
    const positions = trainingPositions(train)
    const rising: Scorer = { name: 'rising', numItems: 8, scoreBatch: (hs) => hs.map(() => Float32Array.from({ length: 8 }, (_, i) => i + 1)) }
    const falling: Scorer = { name: 'falling', numItems: 8, scoreBatch: (hs) => hs.map(() => Float32Array.from({ length: 8 }, (_, i) => 8 - i)) }
    const own = scorerTargets(rising, train, positions, { topN: 3 })
    const members = [{ scorer: rising }, { scorer: falling, sharpness: 5 }, { scorer: rising, sharpness: 5 }]
    assert.equal(fittedEnsembleTargets(members, [1, 0, 0], own, train, 3), own, 'the teacher alone is its own targets')
    const mixed = fittedEnsembleTargets(members, [0.25, 0.75, 0], own, train, 3)
    const expected = mixTeacherTargets([own, scorerTargets(falling, train, positions, { topN: 3, sharpness: 5 })], [0.25, 0.75], 3)
    assert.deepEqual([Array.from(mixed.items), Array.from(mixed.logits)], [Array.from(expected.items), Array.from(expected.logits)])
    assert.equal(ensembleLabel(['teacher v1', 'falling', 'rising'], [0.25, 0.75, 0]), 'teacher v1 (0.25), falling (0.75)')
  })
})
