import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { teacherWeight } from '../../src/distill/schedule.js'

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
