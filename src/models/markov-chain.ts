import type { Scorer } from './scorer.js'
import { type BaselineOptions, itemCounts, popularityTieBreak } from './popularity.js'

/**
 * First-order Markov chain: score(j | history) = P(next = j | last item of history), estimated from
 * the transition counts of consecutive train items, plus a popularity tie-break:
 *   score(j) = (count(last -> j) + TIE_BREAK * pop(j) / (maxPop + 1)) / outCount(last)
 * The tie-break is under a hundredth of one count, so it never overturns a transition count and
 * moves a probability by under 1%; it orders equal counts (above all the unseen transitions,
 * count 0) by popularity. With an empty history or a last item never followed by anything in
 * train, the scores are popularity alone.
 * Transitions are stored sparse (CSR): memory grows with distinct pairs, not numItems^2.
 */
/** Fraction of one transition count that the most popular item's tie-break reaches. */
const TIE_BREAK = 0.01

export class MarkovChainScorer implements Scorer {
  readonly name = 'markov-chain'
  readonly numItems: number
  readonly #offsets: Int32Array
  readonly #next: Int32Array
  readonly #counts: Float32Array
  readonly #prior: Float32Array

  constructor ({ train, numItems }: BaselineOptions) {
    this.numItems = numItems
    this.#prior = popularityTieBreak(itemCounts(train, numItems), TIE_BREAK)
    const successors: Array<Map<number, number>> = Array.from({ length: numItems }, () => new Map())
    for (const sequence of train) {
      for (let t = 1; t < sequence.length; t++) {
        const from = successors[sequence[t - 1]]
        from.set(sequence[t], (from.get(sequence[t]) ?? 0) + 1)
      }
    }
    this.#offsets = new Int32Array(numItems + 1)
    successors.forEach((m, i) => { this.#offsets[i + 1] = this.#offsets[i] + m.size })
    this.#next = new Int32Array(this.#offsets[numItems])
    this.#counts = new Float32Array(this.#offsets[numItems])
    successors.forEach((m, i) => {
      let at = this.#offsets[i]
      for (const [next, count] of m) {
        this.#next[at] = next
        this.#counts[at++] = count
      }
    })
  }

  scoreBatch (histories: readonly Int32Array[]): Float32Array[] {
    return histories.map((history) => this.#score(history))
  }

  #score (history: Int32Array): Float32Array {
    const row = this.#prior.slice()
    if (history.length === 0) return row
    const last = history[history.length - 1]
    const start = this.#offsets[last]
    const end = this.#offsets[last + 1]
    let out = 0
    for (let e = start; e < end; e++) out += this.#counts[e]
    if (out === 0) return row
    const scale = 1 / out
    for (let j = 0; j < row.length; j++) row[j] *= scale
    for (let e = start; e < end; e++) row[this.#next[e]] += this.#counts[e] * scale
    return row
  }
}
