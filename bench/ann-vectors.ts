import { Random } from '../src/data/random.js'

/**
 * Student-shaped serving vectors for the ANN benches, without training a million-item student:
 * items sit in taste clusters (a centre plus noise, as the synthetic model's clusters) with a
 * Zipf popularity carried by the bias column (the student's item bias is learnt popularity);
 * users mix two or three cluster centres and end in 1, so `user . item` is the student score.
 */
export interface ServingVectors {
  /** Row-major [items, width]: dim embedding values, then the bias. */
  items: Float32Array
  /** Row-major [users, width]: dim values, then 1. */
  users: Float32Array
  width: number
}

export function studentLikeVectors (numItems: number, numUsers: number, dim = 16, seed = 7): ServingVectors {
  const rng = new Random(seed)
  const width = dim + 1
  const clusters = Math.max(8, Math.round(Math.sqrt(numItems)))
  const centres = new Float32Array(clusters * dim)
  for (let i = 0; i < centres.length; i++) centres[i] = rng.normal() / Math.sqrt(dim)
  const items = new Float32Array(numItems * width)
  for (let i = 0; i < numItems; i++) {
    const c = Math.floor(rng.next() * clusters)
    for (let d = 0; d < dim; d++) items[i * width + d] = centres[c * dim + d] + 0.5 * rng.normal() / Math.sqrt(dim)
    // rank i + 1 of a Zipf(1.2) curve, on the log scale a learnt bias has
    items[i * width + dim] = -0.3 * Math.log(i + 1)
  }
  const users = new Float32Array(numUsers * width)
  for (let u = 0; u < numUsers; u++) {
    const mix = 2 + Math.floor(rng.next() * 2)
    for (let m = 0; m < mix; m++) {
      const c = Math.floor(rng.next() * clusters)
      for (let d = 0; d < dim; d++) users[u * width + d] += 3 * centres[c * dim + d] / mix
    }
    users[u * width + dim] = 1
  }
  return { items, users, width }
}

/** Exact top-k of one user by brute force (the reference recall is measured against). */
export function exactTopK (items: Float32Array, width: number, user: Float32Array, k: number, skip?: (i: number) => boolean): Int32Array {
  const n = items.length / width
  const best = new Int32Array(k).fill(-1)
  const scores = new Float64Array(k).fill(-Infinity)
  for (let i = 0; i < n; i++) {
    if (skip?.(i) === true) continue
    let s = 0
    for (let d = 0; d < width; d++) s += items[i * width + d] * user[d]
    if (s <= scores[k - 1]) continue
    let at = k - 1
    while (at > 0 && scores[at - 1] < s) {
      scores[at] = scores[at - 1]
      best[at] = best[at - 1]
      at--
    }
    scores[at] = s
    best[at] = i
  }
  return best
}

export function recallAt (found: ArrayLike<number>, exact: ArrayLike<number>): number {
  const want = new Set(Array.from(exact).filter((i) => i >= 0))
  let hit = 0
  for (const i of Array.from(found)) if (want.has(i)) hit++
  return want.size === 0 ? 1 : hit / want.size
}
