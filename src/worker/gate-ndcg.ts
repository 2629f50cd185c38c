import type { EvalCase } from '../data/split.js'
import { evaluate } from '../distill/evaluation/evaluate.js'
import type { Scorer } from '../models/scorer.js'

/** The gate's quality figures: candidate and active student on the same validation cases. */
export interface GateNdcg {
  candidateNdcg: number
  activeNdcg: number | null
  /** True when the candidate's figure is the one the training loop took on these cases. */
  reused: boolean
}

/**
 * Validation NDCG@10 of the candidate and the active student on `cases`. The candidate is scored
 * only when the run did not already measure it on these cases (`measured`: the training loop's
 * best-epoch figure, whose weights the candidate holds); the active student always is.
 */
export function gateNdcg (candidate: Scorer, measured: number | undefined, active: Scorer | null, cases: readonly EvalCase[]): GateNdcg {
  const reused = measured !== undefined && Number.isFinite(measured)
  const candidateNdcg = reused ? measured : evaluate(candidate, cases, { k: 10 }).ndcg
  const activeNdcg = active === null ? null : evaluate(active, cases, { k: 10 }).ndcg
  return { candidateNdcg, activeNdcg, reused }
}
