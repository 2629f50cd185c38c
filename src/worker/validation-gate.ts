/** What the gate weighs for one candidate student. */
export interface GateInput {
  /** Validation NDCG@10 of the candidate and of the active student on the same cases (null: no active student). */
  candidateNdcg: number
  activeNdcg: number | null
  /** The candidate may fall this fraction below the active student (noise between runs). */
  tolerance: number
  /** Every weight finite. */
  finite: boolean
  /** Median time to rank for one user through the serving path, and its budget. */
  latencyMs: number
  latencyBudgetMs: number
  /** Skips the quality comparison only; the sanity checks still apply. */
  force: boolean
}

/** Why the candidate must not go live, or undefined when it may. */
export function gateVerdict (g: GateInput): string | undefined {
  if (!g.finite) return 'weights are not all finite'
  if (!Number.isFinite(g.candidateNdcg)) return `validation NDCG@10 is ${g.candidateNdcg}`
  if (!(g.latencyMs <= g.latencyBudgetMs)) return `median latency ${g.latencyMs.toFixed(2)} ms exceeds the budget of ${g.latencyBudgetMs} ms`
  if (g.force || g.activeNdcg === null) return undefined
  const floor = g.activeNdcg * (1 - g.tolerance)
  if (g.candidateNdcg < floor) {
    return `validation NDCG@10 ${g.candidateNdcg.toFixed(4)} is below the active student's ${g.activeNdcg.toFixed(4)} ` +
      `less the tolerance of ${(g.tolerance * 100).toFixed(1)}% (${floor.toFixed(4)})`
  }
  return undefined
}
