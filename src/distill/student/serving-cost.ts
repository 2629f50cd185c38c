import type { EvalCase } from '../../data/split.js'
import { ItemMatrixScorer } from '../../models/item-matrix-scorer.js'
import type { Student } from '../../models/student.js'
import { topK } from '../../models/top-k.js'

/** Requests timed per measure, after a few unmeasured ones (as the worker's gate times the serving path). */
const COST_REQUESTS = 64
const COST_WARMUP = 8

/**
 * Median milliseconds to serve one request in process, one user at a time: the user vector
 * (the student's plain-JS encoder), the scores of every item with the served matrix
 * (ItemMatrixScorer, as serving and evaluation score) and the top 10 with the history left out,
 * cycling through `cases`' histories (validation users). NaN without cases.
 */
export function servingCostMs (student: Student, cases: readonly EvalCase[], requests = COST_REQUESTS): number {
  if (cases.length === 0) return NaN
  const encoder = student.encoder()
  const scorer = new ItemMatrixScorer(encoder.itemMatrix(), encoder.servingDim)
  const user = new Float32Array(encoder.servingDim)
  const times: number[] = []
  try {
    for (let i = 0; i < COST_WARMUP + requests; i++) {
      const { history } = cases[i % cases.length]
      const started = performance.now()
      encoder.encode(history, user)
      const [scores] = scorer.scoreAll(user, 1)
      const seen = new Set(history)
      topK(scores, 10, (index) => seen.has(index))
      if (i >= COST_WARMUP) times.push(performance.now() - started)
    }
  } finally {
    scorer.dispose()
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}
