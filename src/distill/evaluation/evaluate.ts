import type { EvalCase } from '../../data/split.js'
import type { Scorer } from '../../models/scorer.js'
import { topK } from '../../models/top-k.js'
import { hitAtK, ndcgAtK, rankOfTarget } from './metrics.js'

export interface EvaluateOptions {
  /** Cut-off of NDCG, HR, coverage and tail recall. */
  k?: number
  /** Histories per `scoreBatch` call (default: defaultBatchSize). */
  batchSize?: number
  /** 1 = tail item (see `tailItemsMask`); without it tail recall is NaN. */
  tailItems?: Uint8Array
  /** Defaults to `scorer.numItems`. */
  numItems?: number
}

/**
 * Means over the eval cases (one per user), full ranking:
 * - ndcg = mean NDCG@k = mean(rank <= k ? 1 / log2(rank + 1) : 0)
 * - hr = mean HR@k = fraction of cases with rank <= k
 * - mrr = mean 1 / rank, over the full ranking (not cut at k)
 * - coverage = |union of all top-k lists| / numItems (catalogue coverage)
 * - tailRecall = HR@k over the `tailCases` cases whose target is a tail item (NaN if none)
 * rank: see `rankOfTarget`; the user's history items are masked, except the target itself.
 */
export interface EvaluationResult {
  ndcg: number
  hr: number
  mrr: number
  coverage: number
  tailRecall: number
  tailCases: number
  users: number
}

const DEFAULT_BATCH = 256
/** Scores one default batch may hold: 256 users up to 131,072 items, fewer above (60 at 533,667 items) so a batch's rows stay within 128 MiB. */
const BATCH_SCORES = 32 * 1024 * 1024

/** Histories per `scoreBatch` call when the caller names none. */
export function defaultBatchSize (numItems: number): number {
  return Math.max(1, Math.min(DEFAULT_BATCH, Math.floor(BATCH_SCORES / Math.max(1, numItems))))
}

export function evaluate (scorer: Scorer, cases: readonly EvalCase[], options: EvaluateOptions = {}): EvaluationResult {
  return evaluateAtCutoffs(scorer, cases, [options.k ?? 10], options)[0]
}

/**
 * `evaluate` at several cut-offs, scoring every case once: one result per entry of `ks`, in order
 * (MRR, which is not cut, is the same in each).
 */
export function evaluateAtCutoffs (scorer: Scorer, cases: readonly EvalCase[], ks: readonly number[], options: Omit<EvaluateOptions, 'k'> = {}): EvaluationResult[] {
  if (ks.some((k) => !Number.isSafeInteger(k) || k < 1)) throw new RangeError(`cut-offs must be positive integers, got ${ks.join(', ')}`)
  const numItems = options.numItems ?? scorer.numItems
  const tailItems = options.tailItems
  const maxK = Math.max(0, ...ks)
  const masked = new Uint8Array(numItems)
  const recommended = ks.map(() => new Uint8Array(numItems))
  const ndcg = ks.map(() => 0)
  const hr = ks.map(() => 0)
  const tailHits = ks.map(() => 0)
  let mrr = 0
  let tailCases = 0
  forEachScored(scorer, cases, options.batchSize ?? defaultBatchSize(numItems), (c, scores) => {
    for (const item of c.history) masked[item] = 1
    masked[c.target] = 0
    const rank = rankOfTarget(scores, c.target, masked)
    mrr += 1 / rank
    const tail = tailItems !== undefined && tailItems[c.target] === 1
    if (tail) tailCases++
    const list = topK(scores, maxK, masked)
    ks.forEach((k, i) => {
      ndcg[i] += ndcgAtK(rank, k)
      hr[i] += hitAtK(rank, k)
      if (tail) tailHits[i] += hitAtK(rank, k)
      for (let j = 0; j < Math.min(k, list.length); j++) recommended[i][list[j].index] = 1
    })
    for (const item of c.history) masked[item] = 0
  })
  const n = cases.length
  return ks.map((_, i) => {
    let covered = 0
    for (let item = 0; item < numItems; item++) covered += recommended[i][item]
    return {
      ndcg: n === 0 ? 0 : ndcg[i] / n,
      hr: n === 0 ? 0 : hr[i] / n,
      mrr: n === 0 ? 0 : mrr / n,
      coverage: numItems === 0 ? 0 : covered / numItems,
      tailRecall: tailCases === 0 ? NaN : tailHits[i] / tailCases,
      tailCases,
      users: n
    }
  })
}

/**
 * How much two scorers agree: mean over cases of |topk_a ∩ topk_b| / k, with every history item
 * masked in both lists (what serving would show). 1 = identical top-k sets.
 */
export function topKOverlap (a: Scorer, b: Scorer, cases: readonly EvalCase[], k = 10, batchSize = defaultBatchSize(a.numItems)): number {
  if (cases.length === 0) return 0
  const numItems = a.numItems
  const masked = new Uint8Array(numItems)
  const inA = new Uint8Array(numItems)
  let total = 0
  for (let start = 0; start < cases.length; start += batchSize) {
    const batch = cases.slice(start, start + batchSize)
    const histories = batch.map((c) => c.history)
    const users = batch.map((c) => c.user)
    const rowsA = a.scoreBatch(histories, users)
    const rowsB = b.scoreBatch(histories, users)
    batch.forEach((c, i) => {
      for (const item of c.history) masked[item] = 1
      const listA = topK(rowsA[i], k, masked)
      for (const { index } of listA) inA[index] = 1
      let shared = 0
      for (const { index } of topK(rowsB[i], k, masked)) shared += inA[index]
      total += shared / k
      for (const { index } of listA) inA[index] = 0
      for (const item of c.history) masked[item] = 0
    })
  }
  return total / cases.length
}

function forEachScored (scorer: Scorer, cases: readonly EvalCase[], batchSize: number, visit: (c: EvalCase, scores: Float32Array) => void): void {
  for (let start = 0; start < cases.length; start += batchSize) {
    const batch = cases.slice(start, start + batchSize)
    const rows = scorer.scoreBatch(batch.map((c) => c.history), batch.map((c) => c.user))
    if (rows.length !== batch.length) throw new RangeError(`${scorer.name} returned ${rows.length} rows for ${batch.length} histories`)
    batch.forEach((c, i) => visit(c, rows[i]))
  }
}
