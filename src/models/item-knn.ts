import type { Scorer } from './scorer.js'
import { type BaselineOptions, itemCounts, popularityTieBreak } from './popularity.js'
import { topK } from './top-k.js'

export interface ItemKnnOptions extends BaselineOptions {
  /** Two items co-occur when they are at most `window` positions apart in a train sequence. */
  window?: number
  /** Neighbours kept per item (the most similar). */
  neighbours?: number
  /** How many of the user's latest items vote. */
  recent?: number
  /** Vote weight of the item d places before the last: decay^d. */
  decay?: number
}

export const ITEM_KNN_DEFAULTS = Object.freeze({ window: 5, neighbours: 100, recent: 10, decay: 0.8 })

/**
 * Scale of the popularity tie-break: far below the smallest non-zero vote
 * (decay^(recent-1) / sqrt(n_i * n_j) is about 1e-5 on ML-1M), so it only orders items whose
 * votes are equal, which in practice means the items no recent item points to.
 */
const TIE_BREAK = 1e-9

/**
 * Item-based k-nearest neighbours over a sliding window:
 *   sim(i, j) = co(i, j) / sqrt(n_i * n_j)   (cosine of co-occurrence)
 * where co(i, j) counts the times i and j occur within `window` places of each other in a train
 * sequence and n_i counts the occurrences of i. Only the top `neighbours` similarities per item
 * are kept (sparse, CSR). Scoring:
 *   score(j) = sum over d = 0..recent-1 of decay^d * sim(h[len-1-d], j)  +  TIE_BREAK * pop(j)
 */
export class ItemKnnScorer implements Scorer {
  readonly name = 'item-knn'
  readonly numItems: number
  readonly #options: Required<Omit<ItemKnnOptions, keyof BaselineOptions>>
  readonly #offsets: Int32Array
  readonly #neighbour: Int32Array
  readonly #sim: Float32Array
  readonly #prior: Float32Array

  constructor (options: ItemKnnOptions) {
    const { train, numItems } = options
    this.numItems = numItems
    this.#options = {
      window: options.window ?? ITEM_KNN_DEFAULTS.window,
      neighbours: options.neighbours ?? ITEM_KNN_DEFAULTS.neighbours,
      recent: options.recent ?? ITEM_KNN_DEFAULTS.recent,
      decay: options.decay ?? ITEM_KNN_DEFAULTS.decay
    }
    const counts = itemCounts(train, numItems)
    this.#prior = popularityTieBreak(counts, TIE_BREAK)
    const graph = buildNeighbours(train, numItems, counts, this.#options.window, this.#options.neighbours)
    this.#offsets = graph.offsets
    this.#neighbour = graph.neighbour
    this.#sim = graph.sim
  }

  scoreBatch (histories: readonly Int32Array[]): Float32Array[] {
    return histories.map((history) => this.#score(history))
  }

  #score (history: Int32Array): Float32Array {
    const row = this.#prior.slice()
    const voters = Math.min(this.#options.recent, history.length)
    let weight = 1
    for (let d = 0; d < voters; d++) {
      const item = history[history.length - 1 - d]
      for (let e = this.#offsets[item]; e < this.#offsets[item + 1]; e++) {
        row[this.#neighbour[e]] += weight * this.#sim[e]
      }
      weight *= this.#options.decay
    }
    return row
  }
}

interface NeighbourGraph {
  offsets: Int32Array
  neighbour: Int32Array
  sim: Float32Array
}

/**
 * One item at a time: walk its occurrences, count co-occurring items into a dense accumulator,
 * keep the top similarities. Work is O(events * window) and memory O(numItems + kept edges).
 */
function buildNeighbours (train: readonly Int32Array[], numItems: number, counts: Float64Array, window: number, keep: number): NeighbourGraph {
  const occurrences = occurrenceIndex(train, numItems, counts)
  const co = new Float64Array(numItems)
  const touched = new Int32Array(numItems)
  const offsets = new Int32Array(numItems + 1)
  const neighbour: number[] = []
  const sim: number[] = []
  for (let i = 0; i < numItems; i++) {
    let size = 0
    for (let o = occurrences.offsets[i]; o < occurrences.offsets[i + 1]; o++) {
      const sequence = train[occurrences.sequence[o]]
      const t = occurrences.position[o]
      const from = Math.max(0, t - window)
      const to = Math.min(sequence.length - 1, t + window)
      for (let u = from; u <= to; u++) {
        const j = sequence[u]
        if (j === i) continue
        if (co[j] === 0) touched[size++] = j
        co[j]++
      }
    }
    const candidates = new Float32Array(size)
    for (let c = 0; c < size; c++) {
      const j = touched[c]
      candidates[c] = co[j] / Math.sqrt(counts[i] * counts[j])
      co[j] = 0
    }
    for (const { index, score } of topK(candidates, keep)) {
      neighbour.push(touched[index])
      sim.push(score)
    }
    offsets[i + 1] = neighbour.length
  }
  return { offsets, neighbour: Int32Array.from(neighbour), sim: Float32Array.from(sim) }
}

/** For each item, where it occurs: (sequence, position) pairs grouped by item (CSR). */
function occurrenceIndex (train: readonly Int32Array[], numItems: number, counts: Float64Array) {
  const offsets = new Int32Array(numItems + 1)
  for (let i = 0; i < numItems; i++) offsets[i + 1] = offsets[i] + counts[i]
  const fill = offsets.slice(0, numItems)
  const sequence = new Int32Array(offsets[numItems])
  const position = new Int32Array(offsets[numItems])
  train.forEach((items, s) => {
    items.forEach((item, t) => {
      const at = fill[item]++
      sequence[at] = s
      position[at] = t
    })
  })
  return { offsets, sequence, position }
}
