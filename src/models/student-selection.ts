import { STUDENT_FAMILIES, type StudentFamily } from './student-config.js'

/** One family `--student auto` trained, with the figures it was judged on. */
export interface FamilyCandidate {
  family: StudentFamily
  /** NDCG@10 on the validation users (the ones the worker's gate judges on). */
  ndcg: number
  /** Median ms per request for the user vector and the scores of every item with the served matrix. */
  costMs: number
  params: number
  /** Within the latency budget and the parameter cap. */
  eligible: boolean
  /** Why it is or is not eligible, in words. */
  why: string
}

/** What `--student auto` chose and why; a student's manifest keeps it as `selection`. */
export interface StudentSelection {
  chosen: StudentFamily
  reason: string
  latencyBudgetMs: number
  /** The parameter cap (a share of the teacher's); null without a teacher whose size is known. */
  maxParams: number | null
  candidates: FamilyCandidate[]
}

/** A manifest's `selection`, checked; a problem is thrown as `fail(reason)`. */
export function parseStudentSelection (raw: unknown, fail: (reason: string) => Error): StudentSelection {
  const s = record(raw, 'selection', fail)
  const family = (value: unknown, field: string): StudentFamily => {
    if (!(STUDENT_FAMILIES as readonly unknown[]).includes(value)) throw fail(`${field} is ${JSON.stringify(value)}, expected one of ${STUDENT_FAMILIES.join(', ')}`)
    return value as StudentFamily
  }
  const number = (value: unknown, field: string): number => {
    if (typeof value !== 'number' || Number.isNaN(value)) throw fail(`${field} is not a number`)
    return value
  }
  const text = (value: unknown, field: string): string => {
    if (typeof value !== 'string') throw fail(`${field} is not a string`)
    return value
  }
  if (!Array.isArray(s.candidates) || s.candidates.length === 0) throw fail('selection.candidates is not a non-empty array')
  const candidates = s.candidates.map((raw: unknown, i: number): FamilyCandidate => {
    const c = record(raw, `selection.candidates[${i}]`, fail)
    const at = `selection.candidates[${i}]`
    if (typeof c.eligible !== 'boolean') throw fail(`${at}.eligible is not a boolean`)
    return { family: family(c.family, `${at}.family`), ndcg: number(c.ndcg, `${at}.ndcg`), costMs: number(c.costMs, `${at}.costMs`), params: number(c.params, `${at}.params`), eligible: c.eligible, why: text(c.why, `${at}.why`) }
  })
  const chosen = family(s.chosen, 'selection.chosen')
  if (!candidates.some((c) => c.family === chosen)) throw fail(`selection.chosen ${chosen} is not one of its candidates`)
  return {
    chosen,
    reason: text(s.reason, 'selection.reason'),
    latencyBudgetMs: number(s.latencyBudgetMs, 'selection.latencyBudgetMs'),
    maxParams: s.maxParams === null ? null : number(s.maxParams, 'selection.maxParams'),
    candidates
  }
}

function record (value: unknown, field: string, fail: (reason: string) => Error): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail(`${field} is not an object`)
  return value as Record<string, unknown>
}
