import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { leaveOneOut } from '../../src/data/split.js'

const seq = (...items: number[]): Int32Array => Int32Array.from(items)

describe('leaveOneOut', () => {
  const split = leaveOneOut({ sequences: [seq(1, 2, 3, 4, 5), seq(7, 8), seq(9, 8, 7)] })

  it('trains on all but the last two items of each user', () => {
    assert.deepEqual(split.train.map((s) => Array.from(s)), [[1, 2, 3], [7, 8], [9]])
  })

  it('validates on the second-to-last item given the train sequence', () => {
    assert.deepEqual(split.valid.map((c) => ({ ...c, history: Array.from(c.history) })), [
      { user: 0, history: [1, 2, 3], target: 4 },
      { user: 2, history: [9], target: 8 }
    ])
  })

  it('tests on the last item given everything before it', () => {
    assert.deepEqual(split.test.map((c) => ({ ...c, history: Array.from(c.history) })), [
      { user: 0, history: [1, 2, 3, 4], target: 5 },
      { user: 2, history: [9, 8], target: 7 }
    ])
  })

  it('gives users with fewer than 3 items no eval case but keeps them in train', () => {
    assert.equal(split.valid.some((c) => c.user === 1), false)
    assert.equal(split.test.some((c) => c.user === 1), false)
    assert.deepEqual(Array.from(split.train[1]), [7, 8])
  })
})
