import { Random, cumulative } from './random.js'

/**
 * The synthetic model, one user at a time: the service's default dataset (`generateSynthetic`)
 * and the large catalogues of `npm run synthetic` draw from it, so both have the same shape:
 * - items belong to taste clusters and follow a Zipf-like popularity curve (a long tail);
 * - each user has cluster tastes that drift (a random walk) along their sequence;
 * - within a cluster items are consumed in a loose order (the next item is often one of the few
 *   after the previous one), so the previous item predicts the next: a Markov chain beats
 *   popularity, and a sequential model can beat both.
 * Every per-item table is a typed array or one list of item numbers, O(items) in memory, and
 * no user's events are kept after the next user is drawn.
 */
export interface SyntheticOptions {
  users: number
  items: number
  /** Mean events per user (lengths vary log-normally around it, never below `minLength`). */
  meanLength: number
  minLength: number
  seed: number
  clusters: number
  /** Zipf exponent of item popularity: weight of the r-th most popular item is 1 / r^zipf. */
  zipf: number
  /** Probability that the next item follows the previous one in its cluster's order. */
  sequential: number
  /** Probability per event that the user moves to another cluster (drawn from current tastes). */
  switchProb: number
  /** Probability per event of an item drawn from global popularity alone. */
  noise: number
  /** Std of the per-event random walk of a user's cluster log-weights. */
  drift: number
}

export const SYNTHETIC_DEFAULTS: Readonly<SyntheticOptions> = Object.freeze({
  users: 500,
  items: 300,
  meanLength: 40,
  minLength: 5,
  seed: 42,
  clusters: 6,
  zipf: 1.2,
  sequential: 0.5,
  switchProb: 0.1,
  noise: 0.05,
  drift: 0.1
})

/** How far along its cluster's order the next item may jump (1..MAX_STRIDE). */
const MAX_STRIDE = 3
/** Std of a user's initial cluster log-weights: higher means narrower tastes. */
const TASTE_SPREAD = 1
/** Std of the noise that loosens each cluster's popularity-first consumption order. */
const ORDER_NOISE = 1
/** Draws before giving up on finding an item the user has not consumed yet. */
const MAX_TRIES = 20

export class SyntheticModel {
  readonly options: Readonly<SyntheticOptions>
  readonly #rng: Random
  readonly #numClusters: number
  readonly #popularity: Float64Array
  readonly #globalCdf: Float64Array
  readonly #clusterOf: Int32Array
  readonly #members: number[][]
  readonly #position: Int32Array
  readonly #clusterCdfs: Float64Array[]
  readonly #consumed: Uint8Array
  readonly #logits: Float64Array
  readonly #tastes: Float64Array
  #sequence: Int32Array
  #length = 0

  constructor (options: Partial<SyntheticOptions> = {}) {
    const o = this.options = Object.freeze({ ...SYNTHETIC_DEFAULTS, ...options })
    const rng = this.#rng = new Random(o.seed)
    const numClusters = this.#numClusters = Math.max(1, Math.min(o.clusters, o.items))

    // Popularity ranks are shuffled so popularity is independent of item id and cluster.
    const rank = rng.shuffle(Int32Array.from({ length: o.items }, (_, i) => i))
    const popularity = this.#popularity = Float64Array.from(rank, (r) => 1 / Math.pow(r + 1, o.zipf))
    this.#globalCdf = cumulative(popularity)

    // Each cluster's consumption order: roughly most popular first (log-popularity plus noise), as
    // people start a genre with its hits and go deeper into the tail.
    const clusterOf = this.#clusterOf = rng.shuffle(Int32Array.from({ length: o.items }, (_, i) => i % numClusters))
    const members: number[][] = this.#members = Array.from({ length: numClusters }, () => [])
    for (let item = 0; item < o.items; item++) members[clusterOf[item]].push(item)
    const orderKey = Float64Array.from(popularity, (w) => Math.log(w) + ORDER_NOISE * rng.normal())
    for (const list of members) list.sort((a, b) => orderKey[b] - orderKey[a])
    const position = this.#position = new Int32Array(o.items)
    for (const list of members) list.forEach((item, p) => { position[item] = p })
    this.#clusterCdfs = members.map((list) => cumulative(list.map((item) => popularity[item])))

    this.#consumed = new Uint8Array(o.items)
    this.#logits = new Float64Array(numClusters)
    this.#tastes = new Float64Array(numClusters)
    this.#sequence = new Int32Array(Math.min(o.items, 1024))
  }

  /** The next user's item numbers in consumption order; the view is overwritten by the next call. */
  nextUser (): Int32Array {
    const o = this.options
    const numClusters = this.#numClusters
    const rng = this.#rng
    const consumed = this.#consumed
    const logits = this.#logits
    // Only the previous user's items are marked, so clearing them costs their length, not the catalogue's.
    for (let t = 0; t < this.#length; t++) consumed[this.#sequence[t]] = 0
    for (let c = 0; c < numClusters; c++) logits[c] = TASTE_SPREAD * rng.normal()
    const length = Math.min(o.items, Math.max(o.minLength, Math.round(o.meanLength * Math.exp(0.5 * rng.normal() - 0.125))))
    if (length > this.#sequence.length) this.#sequence = new Int32Array(Math.min(o.items, Math.max(length, 2 * this.#sequence.length)))
    const sequence = this.#sequence
    const members = this.#members
    let cluster = rng.choiceWeighted(tasteCdf(logits, this.#tastes))
    let previous = -1
    for (let t = 0; t < length; t++) {
      for (let c = 0; c < numClusters; c++) logits[c] += o.drift * rng.normal()
      if (rng.next() < o.switchProb) cluster = rng.choiceWeighted(tasteCdf(logits, this.#tastes))
      let item = -1
      const roll = rng.next()
      if (roll < o.noise) {
        item = draw(rng, this.#globalCdf, null, consumed)
      } else if (previous >= 0 && this.#clusterOf[previous] === cluster && roll < o.noise + o.sequential) {
        item = successor(rng, members[cluster], this.#position[previous], this.#popularity, consumed)
      }
      if (item < 0) item = draw(rng, this.#clusterCdfs[cluster], members[cluster], consumed)
      if (item < 0) item = draw(rng, this.#globalCdf, null, consumed)
      if (item < 0) item = firstUnconsumed(consumed)
      consumed[item] = 1
      sequence[t] = item
      previous = item
    }
    this.#length = length
    return sequence.subarray(0, length)
  }
}

function tasteCdf (logits: Float64Array, out: Float64Array): Float64Array {
  let max = -Infinity
  for (const v of logits) max = Math.max(max, v)
  let sum = 0
  for (let c = 0; c < logits.length; c++) {
    sum += Math.exp(logits[c] - max)
    out[c] = sum
  }
  return out
}

/**
 * One of the next MAX_STRIDE unconsumed items after `from` in the cluster order, weighted by
 * popularity, or -1 when none is left within 2 * MAX_STRIDE places.
 */
function successor (rng: Random, list: number[], from: number, popularity: Float64Array, consumed: Uint8Array): number {
  const candidates: number[] = []
  const weights: number[] = []
  for (let step = 1; step <= MAX_STRIDE * 2 && candidates.length < MAX_STRIDE; step++) {
    const item = list[(from + step) % list.length]
    if (consumed[item] === 0 && !candidates.includes(item)) {
      candidates.push(item)
      weights.push(popularity[item])
    }
  }
  return candidates.length === 0 ? -1 : candidates[rng.choiceWeighted(cumulative(weights))]
}

/** A popularity-weighted unconsumed item (`list` maps cdf positions to items; null = identity), or -1. */
function draw (rng: Random, cdf: Float64Array, list: number[] | null, consumed: Uint8Array): number {
  for (let i = 0; i < MAX_TRIES; i++) {
    const at = rng.choiceWeighted(cdf)
    const item = list === null ? at : list[at]
    if (consumed[item] === 0) return item
  }
  return -1
}

function firstUnconsumed (consumed: Uint8Array): number {
  const item = consumed.indexOf(0)
  if (item < 0) throw new RangeError('every item is consumed; sequences cannot be longer than the catalogue')
  return item
}
