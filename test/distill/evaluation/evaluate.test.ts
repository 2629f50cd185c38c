import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { evaluate, evaluateAtCutoffs, topKOverlap } from '../../../src/distill/evaluation/evaluate.js'
import { rankOfTarget, tailItemsMask } from '../../../src/distill/evaluation/metrics.js'
import type { EvalCase } from '../../../src/data/split.js'
import type { Scorer } from '../../../src/models/scorer.js'

/** Scores each case's history by looking up a fixed row keyed by the history's first item. */
function tableScorer (numItems: number, rows: Record<number, number[]>): Scorer & { calls: number[] } {
  const calls: number[] = []
  return {
    name: 'table',
    numItems,
    calls,
    scoreBatch (histories) {
      calls.push(histories.length)
      return histories.map((h) => Float32Array.from(rows[h[0]]))
    }
  }
}

const cases: EvalCase[] = [
  { user: 0, history: Int32Array.from([0]), target: 2 },
  { user: 1, history: Int32Array.from([1]), target: 4 }
]
// Case 0: item 0 masked; item 3 ties the target's 5 and counts against it -> rank 2.
// Case 1: item 1 masked; items 0, 2, 3 all score above the target's 0 -> rank 4.
const scorer = tableScorer(5, { 0: [9, 1, 5, 5, 3], 1: [1, 9, 2, 3, 0] })

describe('evaluate', () => {
  it('computes NDCG, HR and MRR from full-ranking ranks, ties counting against the target', () => {
    const result = evaluate(scorer, cases, { k: 2 })
    assert.equal(result.users, 2)
    assert.ok(Math.abs(result.ndcg - (1 / Math.log2(3) + 0) / 2) < 1e-12)
    assert.equal(result.hr, 0.5)
    assert.equal(result.mrr, (1 / 2 + 1 / 4) / 2)
  })

  it('measures coverage as the share of the catalogue in any top-k list (history masked)', () => {
    // Both top-2 lists are {2, 3}: 2 of 5 items.
    assert.equal(evaluate(scorer, cases, { k: 2 }).coverage, 2 / 5)
    assert.equal(evaluate(scorer, cases, { k: 1 }).coverage, 2 / 5) // {2} and {3}
  })

  it('computes tail recall over the cases whose target is a tail item', () => {
    const result = evaluate(scorer, cases, { k: 2, tailItems: Uint8Array.from([0, 0, 0, 0, 1]) })
    assert.equal(result.tailCases, 1)
    assert.equal(result.tailRecall, 0)
    const wide = evaluate(scorer, cases, { k: 4, tailItems: Uint8Array.from([0, 0, 1, 0, 1]) })
    assert.equal(wide.tailCases, 2)
    assert.equal(wide.tailRecall, 1)
    assert.ok(Number.isNaN(evaluate(scorer, cases, { k: 2 }).tailRecall))
  })

  it('gives a constant scorer nothing: every target ranks behind all unmasked items', () => {
    const constant: Scorer = { name: 'constant', numItems: 5, scoreBatch: (h) => h.map(() => new Float32Array(5)) }
    const result = evaluate(constant, cases, { k: 3 })
    assert.equal(result.ndcg, 0)
    assert.equal(result.hr, 0)
    assert.equal(result.mrr, 1 / 4) // 5 items, 1 masked: rank 4
  })

  it('gives at several cut-offs what evaluate gives at each, scoring every case once', () => {
    const tail = Uint8Array.from([0, 0, 1, 0, 1])
    const counting = tableScorer(5, { 0: [9, 1, 5, 5, 3], 1: [1, 9, 2, 3, 0] })
    const results = evaluateAtCutoffs(counting, cases, [1, 2, 4], { tailItems: tail })
    assert.deepEqual(counting.calls, [2], 'one scoreBatch call for all three cut-offs')
    assert.deepEqual(results, [1, 2, 4].map((k) => evaluate(scorer, cases, { k, tailItems: tail })))
    assert.deepEqual(results.map((r) => r.hr), [0, 0.5, 1])
    assert.throws(() => evaluateAtCutoffs(scorer, cases, [0]), RangeError)
  })

  it('does not mask the target when it also appears in the history', () => {
    const repeat = tableScorer(3, { 2: [0, 1, 3] })
    const result = evaluate(repeat, [{ user: 0, history: Int32Array.from([2, 1]), target: 2 }], { k: 1 })
    assert.equal(result.hr, 1)
  })

  it('gives the same result whatever the batch size, calling scoreBatch per batch', () => {
    const many = Array.from({ length: 7 }, (_, i) => cases[i % 2])
    const small = tableScorer(5, { 0: [9, 1, 5, 5, 3], 1: [1, 9, 2, 3, 0] })
    const a = evaluate(small, many, { k: 2, batchSize: 3 })
    assert.deepEqual(small.calls, [3, 3, 1])
    assert.deepEqual(evaluate(scorer, many, { k: 2, batchSize: 100 }), a)
  })
})

describe('rankOfTarget', () => {
  it('ranks a NaN target last and never lets NaN scores outrank the target', () => {
    const none = new Uint8Array(4)
    assert.equal(rankOfTarget([1, NaN, 3, 2], 1, none), 4)
    assert.equal(rankOfTarget([NaN, NaN, 3, 2], 2, none), 1)
  })
})

describe('tailItemsMask', () => {
  it('marks every item outside the most popular headFraction of the catalogue by train count', () => {
    const train = [Int32Array.from([0, 0, 0, 1]), Int32Array.from([1, 2])]
    assert.deepEqual(Array.from(tailItemsMask(train, 5)), [0, 1, 1, 1, 1])
    assert.deepEqual(Array.from(tailItemsMask(train, 5, 0.4)), [0, 0, 1, 1, 1])
  })

  it('breaks equal counts by lower index and keeps unseen items in the tail', () => {
    const train = [Int32Array.from([3, 1])]
    assert.deepEqual(Array.from(tailItemsMask(train, 5, 0.2)), [1, 0, 1, 1, 1])
    assert.deepEqual(Array.from(tailItemsMask(train, 5, 0.6)), [1, 0, 1, 0, 1])
  })
})

describe('topKOverlap', () => {
  it('is the mean share of top-k items two scorers agree on, with history masked', () => {
    const a = tableScorer(5, { 0: [9, 8, 7, 6, 5] })
    const b = tableScorer(5, { 0: [9, 8, 0, 6, 0] })
    const one: EvalCase[] = [{ user: 0, history: Int32Array.from([0]), target: 4 }]
    // Item 0 masked: a's top-2 = {1, 2}, b's = {1, 3} -> 1 of 2 shared.
    assert.equal(topKOverlap(a, b, one, 2), 0.5)
    assert.equal(topKOverlap(a, a, one, 3), 1)
  })
})
