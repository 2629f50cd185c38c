import type { EvalCase } from '../../data/split.js'
import type { Scorer } from '../../models/scorer.js'
import type { EvaluationResult } from '../evaluation/evaluate.js'
import type { TrainReport } from './train-loop.js'

/** Histories scored together to measure a model's cost per request. */
const COST_BATCH = 256

/**
 * Microseconds of scoring per request, every item ranked: the mean over one batch of test
 * histories scored at once (after one unmeasured batch), the same measure for teacher and student.
 */
export function usPerRequest (scorer: Scorer, cases: readonly EvalCase[]): number {
  const histories = cases.slice(0, COST_BATCH).map((c) => c.history)
  if (histories.length === 0) return NaN
  scorer.scoreBatch(histories)
  const started = performance.now()
  scorer.scoreBatch(histories)
  return (performance.now() - started) * 1000 / histories.length
}

/** The figures a trained version records in its manifest (test split, k = 10); NaN figures are left out. */
export function savedMetrics (result: EvaluationResult, report: TrainReport, params: number, costUs = NaN): Record<string, number> {
  const metrics: Record<string, number> = {
    ndcg10: result.ndcg,
    hr10: result.hr,
    mrr: result.mrr,
    coverage10: result.coverage,
    tailRecall10: result.tailRecall,
    validNdcg10: report.bestMetric ?? NaN,
    bestEpoch: report.bestEpoch + 1,
    epochs: report.epochs.length,
    trainSeconds: report.seconds,
    params,
    usPerRequest: costUs
  }
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v)))
}
