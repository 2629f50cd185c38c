import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { scaleTeacherLosses, type DistillLosses } from '../../../src/distill/student/distill-losses.js'

const KD = { weight: 1, temperature: 2, normalise: 'support' as const }
const ALL: DistillLosses = { task: { weight: 1 }, kd: KD, ranking: { weight: 0.8, k: 4 }, hint: { weight: 0.5 } }

describe('scaleTeacherLosses (distill --teacher-weights, kd-study --teacher-weights)', () => {
  it('multiplies the kd, ranking and hint weights and leaves the task loss and every other setting', () => {
    const scaled = scaleTeacherLosses(ALL, 0.25)
    assert.deepEqual(scaled, {
      task: { weight: 1 },
      kd: { weight: 0.25, temperature: 2, normalise: 'support' },
      ranking: { weight: 0.2, k: 4 },
      hint: { weight: 0.125 }
    })
    assert.equal(ALL.kd!.weight, 1, 'the losses given are not changed')
  })

  it('at 0 keeps the task loss alone, at weight 1 when the losses had none', () => {
    assert.deepEqual(scaleTeacherLosses(ALL, 0), { task: { weight: 1 } })
    assert.deepEqual(scaleTeacherLosses({ task: { weight: 0.7 }, kd: KD }, 0), { task: { weight: 0.7 } })
    assert.deepEqual(scaleTeacherLosses({ kd: KD }, 0), { task: { weight: 1 } })
  })

  it('at 1 returns the losses as they are', () => {
    assert.equal(scaleTeacherLosses(ALL, 1), ALL)
  })
})
