/**
 * How the teacher's per-position losses (kd, ranking) are weighted across training positions:
 * - `uniform`: every covered position counts the same (Hinton's and Tang & Wang's losses as published);
 * - `confidence`: by the teacher's certainty, 1 - H(p) / log N, with p its softmax at temperature 1
 *   over its top-N support (1: all mass on one item, 0: flat), known without the label;
 * - `target`: by the probability p puts on the true next item (0 where its top-N misses it), so a
 *   position where the teacher is wrong teaches from the task loss alone (confidence-aware KD
 *   weighs the teacher by its correctness in the same way).
 * Weights are scaled to a mean of 1 over the covered positions, so a weighting moves the teacher's
 * pull between positions without changing its total against the task loss.
 */
export const POSITION_WEIGHTINGS = ['uniform', 'confidence', 'target'] as const
export type PositionWeighting = typeof POSITION_WEIGHTINGS[number]

export interface PositionTargets {
  topN: number
  /** The teacher's top-N per position, row-major [P, N]. */
  items: Int32Array
  /** Its logits on them, [P, N]. */
  logits: Float32Array
  /** 1 where the teacher covers a position; absent: every position. */
  covered?: Uint8Array
}

/**
 * Each position's multiplier of the teacher's losses under `weighting` (0 where the teacher does
 * not cover it); `next` [P] is each position's true next item (read by `target` only). Undefined
 * when every position would weigh 1 (uniform, every position covered).
 */
export function positionWeights (t: PositionTargets, weighting: PositionWeighting, next?: Int32Array): Float32Array | undefined {
  const size = t.logits.length / Math.max(1, t.topN)
  if (weighting === 'uniform') return t.covered === undefined ? undefined : Float32Array.from(t.covered)
  if (weighting === 'target' && next?.length !== size) throw new RangeError(`target weighting needs ${size} next items, got ${next?.length ?? 0}`)
  const weights = new Float32Array(size)
  const probs = new Float64Array(t.topN)
  let sum = 0
  let covered = 0
  for (let p = 0; p < size; p++) {
    if (t.covered !== undefined && t.covered[p] === 0) continue
    supportSoftmax(t.logits, p * t.topN, t.topN, probs)
    weights[p] = weighting === 'confidence' ? certainty(probs) : probabilityOf(next![p], t.items, p * t.topN, probs)
    sum += weights[p]
    covered++
  }
  // a teacher that is never right (target) or always flat (confidence) teaches nothing
  if (sum > 0) {
    const scale = covered / sum
    for (let p = 0; p < size; p++) weights[p] *= scale
  }
  return weights
}

/** Softmax of logits[offset .. offset + n) into `out`; a -Infinity logit (a padded list) gets 0. */
function supportSoftmax (logits: Float32Array, offset: number, n: number, out: Float64Array): void {
  let max = -Infinity
  for (let j = 0; j < n; j++) max = Math.max(max, logits[offset + j])
  let z = 0
  for (let j = 0; j < n; j++) z += (out[j] = Number.isFinite(logits[offset + j]) ? Math.exp(logits[offset + j] - max) : 0)
  for (let j = 0; j < n; j++) out[j] /= z
}

/** 1 - H(p) / log n: 1 for a one-hot p, 0 for a uniform one. */
function certainty (probs: Float64Array): number {
  if (probs.length < 2) return 1
  let entropy = 0
  for (const q of probs) if (q > 0) entropy -= q * Math.log(q)
  return Math.max(0, 1 - entropy / Math.log(probs.length))
}

function probabilityOf (item: number, items: Int32Array, offset: number, probs: Float64Array): number {
  let p = 0
  for (let j = 0; j < probs.length; j++) if (items[offset + j] === item) p += probs[j]
  return p
}
