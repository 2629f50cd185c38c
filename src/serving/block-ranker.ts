import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { ItemMatrixScorer } from '../models/item-matrix-scorer.js'
import { topK } from '../models/top-k.js'
import type { Allowed, RankedItems } from './servable.js'

export interface RankJob {
  vector: Float32Array
  depth: number
  allowed: Allowed
}

/** Scoring holds the event loop at most about this long before other requests get a turn. */
const SLICE_MS = 3

/**
 * Ranks a batch of user vectors against the item matrix block by block: each block's scores are
 * cut to each user's top `depth` at once (no full row is kept), the cuts are merged at the end,
 * and the loop is yielded whenever a slice of work has run SLICE_MS. The merge keeps topK's order
 * (higher score, then lower index), so the result equals topK over the full row.
 */
export async function rankBatch (scorer: ItemMatrixScorer, jobs: readonly RankJob[]): Promise<RankedItems[]> {
  const width = scorer.width
  const users = new Float32Array(jobs.length * width)
  jobs.forEach((job, r) => users.set(job.vector, r * width))
  const candidates = jobs.map(() => ({ items: [] as number[], scores: [] as number[] }))
  let sliceStart = performance.now()
  for (let b = 0; b < scorer.blocks.length; b++) {
    const { start, size } = scorer.blocks[b]
    const scores = scorer.scoreBlock(users, jobs.length, b)
    for (let r = 0; r < jobs.length; r++) {
      const { depth, allowed } = jobs[r]
      const row = scores.subarray(r * size, (r + 1) * size)
      const best = topK(row, depth, allowed === undefined ? undefined : (i) => allowed[start + i] === 0)
      for (const { index, score } of best) {
        candidates[r].items.push(start + index)
        candidates[r].scores.push(score)
      }
    }
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToLoop()
      sliceStart = performance.now()
    }
  }
  return jobs.map((job, r) => {
    const { items, scores } = candidates[r]
    if (scorer.blocks.length === 1) return { items: Int32Array.from(items), scores: Float32Array.from(scores) }
    // equal scores sit in ascending index order (blocks ascend; topK breaks ties by index within
    // one), so topK's tie rule on positions is its rule on indices
    const merged = topK(scores, job.depth)
    return { items: Int32Array.from(merged, (m) => items[m.index]), scores: Float32Array.from(merged, (m) => m.score) }
  })
}
