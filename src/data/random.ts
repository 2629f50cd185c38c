/**
 * A small seeded PRNG (mulberry32): the same seed always gives the same stream,
 * so synthetic data, shuffles and initialisations are reproducible.
 * Not cryptographic; 2^32 period is plenty for data generation.
 */
export class Random {
  #state: number
  #spareNormal: number | null = null

  constructor (seed: number) {
    this.#state = seed >>> 0
  }

  /** Uniform in [0, 1). */
  next (): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Uniform integer in [0, n). */
  int (n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal (): number {
    if (this.#spareNormal !== null) {
      const spare = this.#spareNormal
      this.#spareNormal = null
      return spare
    }
    let u = 0
    while (u === 0) u = this.next()
    const v = this.next()
    const r = Math.sqrt(-2 * Math.log(u))
    this.#spareNormal = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }

  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<A extends { length: number, [i: number]: unknown }>(array: A): A {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const tmp = array[i]
      array[i] = array[j]
      array[j] = tmp
    }
    return array
  }

  /**
   * Index drawn from a cumulative distribution: `cdf` is non-decreasing, its last entry the total
   * weight (it need not be normalised). Binary search, so O(log n) per draw.
   */
  choiceWeighted (cdf: ArrayLike<number>): number {
    const n = cdf.length
    if (n === 0) throw new RangeError('choiceWeighted needs a non-empty cdf')
    const x = this.next() * cdf[n - 1]
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cdf[mid] > x) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}

/** Cumulative sums of `weights`, ready for `Random.choiceWeighted`. */
export function cumulative (weights: ArrayLike<number>): Float64Array {
  const cdf = new Float64Array(weights.length)
  let sum = 0
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i]
    cdf[i] = sum
  }
  return cdf
}
