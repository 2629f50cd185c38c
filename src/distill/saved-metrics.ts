import type { EvaluationResult } from './evaluate.js'
import type { TrainReport } from './trainer.js'

/** The figures a trained version records in its manifest (test split, k = 10); NaN figures are left out. */
export function savedMetrics (result: EvaluationResult, report: TrainReport, params: number): Record<string, number> {
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
    params
  }
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v)))
}
