import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { popularityDebiased } from '../../../src/distill/targets/popularity-debias.js'
import { TeacherTargets } from '../../../src/distill/targets/teacher-targets.js'

// item 0 occurs 7 times, item 1 once, item 2 never
const TRAIN = [Int32Array.from([0, 0, 0, 1]), Int32Array.from([0, 0, 0, 0])]
const POSITIONS = { users: Int32Array.from([0, 1]), ends: Int32Array.from([1, 2]) }

describe('popularityDebiased', () => {
  it('discounts each logit by alpha log(1 + count) and re-sorts the support by the result', () => {
    const targets = new TeacherTargets(POSITIONS, 3, Int32Array.from([0, 1, 2, 0, 2, 1]), Float32Array.from([3, 2, 1, 5, 0, -Infinity]), undefined, 0, Uint8Array.from([1, 0]))
    const out = popularityDebiased(targets, TRAIN, 3, 1)
    // position 0: 3 - log 8 = 0.92, 2 - log 2 = 1.31, 1 - 0 = 1: item 1 first, then 2, then 0
    assert.deepEqual(Array.from(out.items.subarray(0, 3)), [1, 2, 0])
    const want = [2 - Math.log(2), 1, 3 - Math.log(8)]
    Array.from(out.logits.subarray(0, 3)).forEach((v, j) => assert.ok(Math.abs(v - want[j]) < 1e-5, `${v} vs ${want[j]}`))
    // position 1: a padded slot stays last
    assert.deepEqual(Array.from(out.items.subarray(3)), [0, 2, 1])
    assert.equal(out.logits[5], -Infinity)
    assert.equal(out.covered, targets.covered)
    assert.equal(out.positions, targets.positions)
  })

  it('leaves the targets as they are at alpha 0 and refuses a negative alpha', () => {
    const targets = new TeacherTargets(POSITIONS, 1, Int32Array.from([0, 1]), Float32Array.from([1, 1]))
    assert.equal(popularityDebiased(targets, TRAIN, 3, 0), targets)
    assert.throws(() => popularityDebiased(targets, TRAIN, 3, -1), RangeError)
  })
})
