import { Random } from '../../data/random.js'
import type { LeaveOneOutSplit } from '../../data/split.js'

/**
 * How many users validation and test evaluate: `all` (every one, exact), a number (at most that
 * many, a seeded sample above it), or `auto` (every user while users x items stays within
 * AUTO_SCORE_BUDGET, else AUTO_SCORE_BUDGET / items users, at least AUTO_MIN_USERS).
 */
export type EvaluationUsers = 'all' | 'auto' | number

/**
 * Item scores one evaluation may take under `auto`: every MovieLens and Beauty user stays exact
 * (ML-1M 6,040 x 3,706 = 22 M; Beauty 22,363 x 12,101 = 271 M). At 533,667 items `auto` scores
 * 5,000 users: about 7 minutes in a worker run here (2 shared cores, load 12-14, nice 19), where
 * all 200,000 would take four and a half hours.
 */
export const AUTO_SCORE_BUDGET = 2_000_000_000
/** `auto` never samples fewer users than this: the standard error of NDCG@10 stays near 0.004. */
export const AUTO_MIN_USERS = 5_000

/** Which cases an evaluation covers: `evaluated` of `of` (equal when exact). */
export interface EvaluationSample {
  seed: number
  valid: { evaluated: number, of: number }
  test: { evaluated: number, of: number }
}

/** The users one evaluation covers under `setting`, for `users` eval cases over `items` items. */
export function evaluatedUsers (setting: EvaluationUsers, users: number, items: number): number {
  if (setting === 'all') return users
  if (setting === 'auto') {
    if (users * items <= AUTO_SCORE_BUDGET) return users
    return Math.min(users, Math.max(AUTO_MIN_USERS, Math.floor(AUTO_SCORE_BUDGET / Math.max(1, items))))
  }
  return Math.min(users, setting)
}

/**
 * `count` of `cases`, drawn without replacement by `seed` (a partial Fisher-Yates over the
 * indices) and kept in their original order: the same seed and cases always give the same ones.
 * All of them, as they are, when `count` covers them.
 */
export function sampleCases<T> (cases: readonly T[], count: number, seed: number): readonly T[] {
  if (count >= cases.length) return cases
  const order = Int32Array.from({ length: cases.length }, (_, i) => i)
  const random = new Random(seed)
  for (let i = 0; i < count; i++) {
    const j = i + random.int(cases.length - i)
    const swap = order[i]
    order[i] = order[j]
    order[j] = swap
  }
  return Array.from(order.subarray(0, count).sort(), (i) => cases[i])
}

/**
 * `data` with its validation and test cases cut to the users `setting` allows (the training
 * sequences untouched), and what was kept; `sample` is null when both stay whole, and `data` is
 * then returned as it is. Everything that evaluates after this (the training loop's early
 * stopping, the test figures, the gate's candidate and active student) sees the same cases.
 */
export function withEvaluationSample<D extends SplitData> (data: D, setting: EvaluationUsers, seed: number): { data: D, sample: EvaluationSample | null } {
  const items = data.dataset.items.size
  const { valid, test } = data.split
  const validCount = evaluatedUsers(setting, valid.length, items)
  const testCount = evaluatedUsers(setting, test.length, items)
  if (validCount >= valid.length && testCount >= test.length) return { data, sample: null }
  const sampled = { valid: sampleCases(valid, validCount, seed), test: sampleCases(test, testCount, seed) }
  const sample: EvaluationSample = {
    seed,
    valid: { evaluated: sampled.valid.length, of: valid.length },
    test: { evaluated: sampled.test.length, of: test.length }
  }
  return { data: { ...data, split: { ...data.split, valid: [...sampled.valid], test: [...sampled.test] }, evaluationSample: sample }, sample }
}

/** What withEvaluationSample reads and returns (LoadedData is one). */
export interface SplitData {
  dataset: { items: { size: number } }
  split: LeaveOneOutSplit
  /** Set when the validation or test cases are a sample (see withEvaluationSample). */
  evaluationSample?: EvaluationSample
}

/** The manifest's record of a sampled evaluation (none when exact). */
export function sampleMetrics (sample: EvaluationSample | null | undefined): Record<string, number> {
  if (sample == null) return {}
  return {
    validUsers: sample.valid.evaluated,
    validUsersOf: sample.valid.of,
    testUsers: sample.test.evaluated,
    testUsersOf: sample.test.of
  }
}
