import { itemCounts } from '../../models/popularity.js'

/**
 * Full-ranking metric building blocks (Krichene & Rendle, "On Sampled Metrics for Item
 * Recommendation", KDD 2020): the target is ranked against every item, never a sample.
 */

/**
 * The target's 1-based rank among the items not in `masked` (the target itself is never masked):
 *   rank = 1 + |{ j != target : !masked[j] and score[j] >= score[target] }|
 * Ties count AGAINST the target, so a constant scorer ranks every target last and earns nothing.
 * A NaN target score also ranks last; NaN scores of other items never outrank the target.
 */
export function rankOfTarget (scores: ArrayLike<number>, target: number, masked: Uint8Array): number {
  const targetScore = scores[target]
  let rank = 1
  if (Number.isNaN(targetScore)) {
    for (let j = 0; j < scores.length; j++) if (j !== target && masked[j] === 0) rank++
    return rank
  }
  for (let j = 0; j < scores.length; j++) {
    if (scores[j] >= targetScore && j !== target && masked[j] === 0) rank++
  }
  return rank
}

/** NDCG@k with one relevant item: 1 / log2(rank + 1) if rank <= k, else 0 (the ideal DCG is 1). */
export function ndcgAtK (rank: number, k: number): number {
  return rank <= k ? 1 / Math.log2(rank + 1) : 0
}

/** HR@k (hit rate, = recall@k with one relevant item): 1 if rank <= k, else 0. */
export function hitAtK (rank: number, k: number): number {
  return rank <= k ? 1 : 0
}

/**
 * Marks the long tail: 1 for every item outside the `headFraction` most popular by train count
 * (head size = round(headFraction * numItems); equal counts are ordered by lower index first).
 * Items never seen in train are always tail.
 */
export function tailItemsMask (train: readonly Int32Array[], numItems: number, headFraction = 0.2): Uint8Array {
  const counts = itemCounts(train, numItems)
  const order = Array.from({ length: numItems }, (_, i) => i)
    .sort((a, b) => counts[b] - counts[a] || a - b)
  const headSize = Math.round(headFraction * numItems)
  const tail = new Uint8Array(numItems).fill(1)
  for (let r = 0; r < headSize; r++) if (counts[order[r]] > 0) tail[order[r]] = 0
  return tail
}
