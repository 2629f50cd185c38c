import type { VersionStateName } from './version-list.js'

export interface RetentionInput {
  /** KEEP_VERSIONS: ready students kept besides the pinned ones; also rejected or failed ones, and teachers. At least 1. */
  keep: number
  /** Every student version, on disk or in the model store, in any order. */
  students: ReadonlyArray<{ version: number, state: VersionStateName, teacherVersion?: number | null }>
  /** Every teacher version, in any order. */
  teachers: readonly number[]
  /**
   * Never removed, whatever their age or state: the recorded active version (the one every replica
   * swaps to, an operator's pin or rollback included) and the one this process serves. A student
   * listed as `active` is pinned too.
   */
  pinned: ReadonlyArray<number | null | undefined>
}

export interface RetentionPlan {
  /** Kept student versions, newest first. */
  students: number[]
  teachers: number[]
  /** What to remove, oldest first. */
  removeStudents: number[]
  removeTeachers: number[]
}

/**
 * Which versions retention keeps and which it removes (a pure, idempotent policy). Kept: the pinned
 * students; the newest `keep` ready ones besides them (rollback targets); the newest `keep` rejected
 * or failed ones, counted apart so a streak of rejections never pushes a rollback target out, kept
 * for inspection; the newest `keep` teachers and every teacher a kept student was distilled from.
 * With keep >= 1 the newest version of each role is always kept. Everything else is removed, oldest first.
 */
export function retentionPlan ({ keep, students, teachers, pinned }: RetentionInput): RetentionPlan {
  if (!Number.isSafeInteger(keep) || keep < 1) throw new RangeError(`keep must be a whole number of at least 1, got ${keep}`)
  const pins = new Set(pinned.filter((v): v is number => typeof v === 'number'))
  for (const s of students) if (s.state === 'active') pins.add(s.version)
  const newestFirst = [...students].sort((a, b) => b.version - a.version)
  const kept = new Set<number>()
  let ready = 0
  let inspected = 0
  for (const s of newestFirst) {
    const keepIt = pins.has(s.version) || (s.state === 'ready' ? ready++ < keep : inspected++ < keep)
    if (keepIt) kept.add(s.version)
  }
  const keptStudents = newestFirst.filter((s) => kept.has(s.version))
  const teachersNewestFirst = [...new Set(teachers)].sort((a, b) => b - a)
  const taught = new Set(keptStudents.map((s) => s.teacherVersion).filter((v): v is number => typeof v === 'number'))
  const keptTeachers = teachersNewestFirst.filter((v, i) => i < keep || taught.has(v))
  return {
    students: keptStudents.map((s) => s.version),
    teachers: keptTeachers,
    removeStudents: newestFirst.filter((s) => !kept.has(s.version)).map((s) => s.version).reverse(),
    removeTeachers: teachersNewestFirst.filter((v) => !keptTeachers.includes(v)).reverse()
  }
}
