import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { retentionPlan, type RetentionInput } from '../../src/versions/retention.js'

type Student = RetentionInput['students'][number]
const ready = (version: number, teacherVersion: number | null = null): Student => ({ version, state: 'ready', teacherVersion })

describe('retentionPlan', () => {
  it('keeps the newest KEEP_VERSIONS ready students and removes the rest, oldest first', () => {
    const plan = retentionPlan({ keep: 2, students: [3, 1, 5, 2, 4].map((v) => ready(v)), teachers: [], pinned: [] })
    assert.deepEqual(plan.students, [5, 4])
    assert.deepEqual(plan.removeStudents, [1, 2, 3])
  })

  it('never removes the active or a pinned version, however old, and keeps KEEP_VERSIONS ready ones besides them', () => {
    const students = [ready(1), ready(2), { version: 3, state: 'active' as const }, ready(4), ready(5), ready(6)]
    const plan = retentionPlan({ keep: 2, students, teachers: [], pinned: [1, null, undefined] })
    assert.deepEqual(plan.students, [6, 5, 3, 1])
    assert.deepEqual(plan.removeStudents, [2, 4])
    // the recorded active one is pinned even where the list does not mark it
    assert.deepEqual(retentionPlan({ keep: 1, students: [1, 2, 3].map((v) => ready(v)), teachers: [], pinned: [2] }).removeStudents, [1])
  })

  it('keeps the newest KEEP_VERSIONS rejected or failed students apart, so rejections never push a rollback target out', () => {
    const students: Student[] = [ready(1), ready(2), { version: 3, state: 'rejected' }, { version: 4, state: 'failed' }, { version: 5, state: 'rejected' }, { version: 6, state: 'active' }]
    const plan = retentionPlan({ keep: 2, students, teachers: [], pinned: [6] })
    assert.deepEqual(plan.students, [6, 5, 4, 2, 1])
    assert.deepEqual(plan.removeStudents, [3])
  })

  it('keeps the newest KEEP_VERSIONS teachers and every teacher a kept student was distilled from, and removes the rest oldest first', () => {
    const students = [ready(10, 1), ready(11, 2), ready(12, 2), ready(13, 5)]
    const plan = retentionPlan({ keep: 2, students, teachers: [1, 2, 3, 4, 5, 6], pinned: [10] })
    assert.deepEqual(plan.students, [13, 12, 10])
    assert.deepEqual(plan.teachers, [6, 5, 2, 1])
    assert.deepEqual(plan.removeTeachers, [3, 4])
  })

  it('always keeps the newest of each role, and removes nothing when everything fits', () => {
    const plan = retentionPlan({ keep: 1, students: [ready(1), ready(2), { version: 3, state: 'rejected' }], teachers: [7, 8], pinned: [1] })
    assert.deepEqual([plan.students, plan.teachers], [[3, 2, 1], [8]])
    assert.deepEqual([plan.removeStudents, plan.removeTeachers], [[], [7]])
    const few = retentionPlan({ keep: 5, students: [ready(1), ready(2)], teachers: [1], pinned: [] })
    assert.deepEqual([few.removeStudents, few.removeTeachers], [[], []])
  })

  it('is idempotent: applying its plan and planning again removes nothing more', () => {
    const input: RetentionInput = { keep: 2, students: [1, 2, 3, 4, 5].map((v) => ready(v, v)), teachers: [1, 2, 3, 4, 5], pinned: [2] }
    const plan = retentionPlan(input)
    const again = retentionPlan({ ...input, students: input.students.filter((s) => plan.students.includes(s.version)), teachers: plan.teachers })
    assert.deepEqual([again.removeStudents, again.removeTeachers], [[], []])
  })

  it('refuses to keep fewer than one version', () => {
    assert.throws(() => retentionPlan({ keep: 0, students: [], teachers: [], pinned: [] }), RangeError)
  })
})
