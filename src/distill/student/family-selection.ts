import type { FamilyCandidate, StudentSelection } from '../../models/student-selection.js'
import { DistillError } from '../distill-error.js'

export type { FamilyCandidate, StudentSelection as FamilySelection }

/** One trained family's figures, as `--student auto` judges them. */
export type FamilyFigures = Omit<FamilyCandidate, 'eligible' | 'why'>

export interface SelectionRules {
  latencyBudgetMs: number
  maxParams: number | null
}

/**
 * The policy of `--student auto`, a pure function of the figures: a family is eligible when its
 * median serving cost is within the latency budget and its parameters within the cap; the best
 * eligible one on validation NDCG@10 wins (a tie goes to the cheaper, then to the earlier
 * family). When none is eligible but some are within the latency budget, the cheapest of those
 * is kept, and the reason says that none was eligible: the cap is a size target, the budget is
 * what the gate enforces. When none is within the latency budget, no student could pass the
 * gate, so the run fails (STUDENT_NONE_ELIGIBLE) naming each family's cost.
 */
export function selectFamily (figures: readonly FamilyFigures[], rules: SelectionRules): StudentSelection {
  if (figures.length === 0) throw new RangeError('no student family to choose from')
  const { latencyBudgetMs, maxParams } = rules
  const candidates = figures.map((f): FamilyCandidate => {
    const slow = !(f.costMs <= latencyBudgetMs)
    const big = maxParams !== null && f.params > maxParams
    const cost = `${f.costMs.toFixed(3)} ms ${slow ? 'over' : 'within'} the ${latencyBudgetMs} ms budget`
    const size = maxParams === null ? 'no parameter cap' : `${f.params} parameters ${big ? 'over' : 'within'} the cap of ${maxParams}`
    return { ...f, eligible: !slow && !big, why: `${cost}; ${size}` }
  })
  const better = (a: FamilyCandidate, b: FamilyCandidate): FamilyCandidate =>
    b.ndcg > a.ndcg || (b.ndcg === a.ndcg && b.costMs < a.costMs) ? b : a
  const eligible = candidates.filter((c) => c.eligible)
  if (eligible.length > 0) {
    const best = eligible.reduce(better)
    const others = eligible.length > 1 ? `, the best of ${eligible.length} eligible families` : ', the only eligible family'
    return { chosen: best.family, reason: `${best.family}: validation NDCG@10 ${best.ndcg.toFixed(4)}${others}`, latencyBudgetMs, maxParams, candidates }
  }
  const inBudget = candidates.filter((c) => c.costMs <= latencyBudgetMs)
  if (inBudget.length > 0) {
    const cheapest = inBudget.reduce((a, b) => b.costMs < a.costMs ? b : a)
    return {
      chosen: cheapest.family,
      reason: `no family is eligible (none within both the ${latencyBudgetMs} ms budget and the parameter cap of ${String(maxParams)}); kept ${cheapest.family}, the cheapest within the ${latencyBudgetMs} ms budget`,
      latencyBudgetMs,
      maxParams,
      candidates
    }
  }
  throw new DistillError('STUDENT_NONE_ELIGIBLE', `no student family is within the ${latencyBudgetMs} ms serving budget: ` +
    candidates.map((c) => `${c.family} ${c.costMs.toFixed(3)} ms`).join(', '))
}
