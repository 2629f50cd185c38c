import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { learningRateAt, teacherWeight } from '../../../src/distill/training/schedule.js'

describe('teacherWeight', () => {
  it('stays at start when constant', () => {
    assert.deepEqual([0, 5, 50].map(e => teacherWeight({ kind: 'constant', start: 0.7 }, e)), [0.7, 0.7, 0.7])
  })

  it('goes linearly from start to end over the given epochs, then holds', () => {
    const s = { kind: 'linear', start: 1, end: 0, epochs: 5 } as const
    assert.deepEqual([0, 1, 2, 4, 9].map(e => teacherWeight(s, e)), [1, 0.75, 0.5, 0, 0])
  })

  it('multiplies by rate every epoch when exponential', () => {
    const s = { kind: 'exponential', start: 2, rate: 0.5 } as const
    assert.deepEqual([0, 1, 3].map(e => teacherWeight(s, e)), [2, 1, 0.25])
  })
})

describe('learningRateAt', () => {
  it('keeps the rate when constant', () => {
    assert.deepEqual([0, 3, 9].map(e => learningRateAt(0.01, 'constant', e, 10)), [0.01, 0.01, 0.01])
  })

  it('falls linearly to a tenth by the last epoch, then holds', () => {
    const rates = [0, 1, 2, 3, 7].map(e => learningRateAt(1, 'linear', e, 4))
    assert.deepEqual(rates.map(r => Math.round(r * 1e6) / 1e6), [1, 0.7, 0.4, 0.1, 0.1])
    assert.equal(learningRateAt(1, 'linear', 0, 1), 1, 'a single epoch runs at the full rate')
  })

  it('follows the time budget when it runs out before the epochs do', () => {
    const round = (r: number): number => Math.round(r * 1e6) / 1e6
    // 100 epochs asked, half the budget spent at epoch 2: halfway down
    assert.equal(round(learningRateAt(1, 'linear', 2, 100, 0.5)), 0.55)
    assert.equal(round(learningRateAt(1, 'linear', 2, 100, 1.3)), 0.1, 'past the budget: the low rate')
    assert.equal(round(learningRateAt(1, 'linear', 3, 4, 0.2)), 0.1, 'the epochs are further along')
    assert.equal(learningRateAt(1, 'constant', 2, 100, 0.9), 1)
  })
})
