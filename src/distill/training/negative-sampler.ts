import { cumulative } from '../../data/random.js'

/** Where a sampled softmax draws its negatives from, and each item's log expected count in a draw. */
export interface NegativeSampler {
  cdf: Float64Array
  /** log(count · q(item)): subtracted from each logit (the log-Q correction). */
  logQ: Float32Array
  /** Negatives per draw. */
  count: number
}

/** Sampling distribution ∝ (occurrences + 1)^power over the train sequences; 0 is uniform. */
export function negativeSampler (train: readonly Int32Array[], numItems: number, count: number, power: number): NegativeSampler {
  const counts = new Float64Array(numItems)
  for (const s of train) for (const item of s) counts[item]++
  const weights = counts.map(c => Math.pow(c + 1, power))
  const total = weights.reduce((a, b) => a + b, 0)
  const cdf = cumulative(weights)
  const logQ = Float32Array.from(weights, w => Math.log(count * w / total))
  return { cdf, logQ, count }
}
