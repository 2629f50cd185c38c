import type { Scorer } from './scorer.js'

export interface BaselineOptions {
  /** Per user, item indices oldest first (e.g. `leaveOneOut(...).train`). */
  train: readonly Int32Array[]
  numItems: number
}

/** Scores every item by how often it occurs in train, whatever the history: the floor to beat. */
export class PopularityScorer implements Scorer {
  readonly name = 'popularity'
  readonly numItems: number
  readonly counts: Float32Array

  constructor ({ train, numItems }: BaselineOptions) {
    this.numItems = numItems
    this.counts = Float32Array.from(itemCounts(train, numItems))
  }

  /** From counts already made, e.g. item counts stored in Redis by `npm run import`. */
  static fromCounts (counts: ArrayLike<number>): PopularityScorer {
    const scorer = new PopularityScorer({ train: [], numItems: counts.length })
    scorer.counts.set(Array.from(counts))
    return scorer
  }

  scoreBatch (histories: readonly Int32Array[]): Float32Array[] {
    // A copy per row: callers may mask rows in place.
    return histories.map(() => this.counts.slice())
  }
}

/** How often each item occurs in the train sequences. */
export function itemCounts (train: readonly Int32Array[], numItems: number): Float64Array {
  const counts = new Float64Array(numItems)
  for (const sequence of train) {
    for (const item of sequence) counts[item]++
  }
  return counts
}

/**
 * Popularity scaled into [0, scale): count / (maxCount + 1) * scale. Added to a model's scores with
 * a scale below the model's smallest meaningful score difference, it orders equal-scored items
 * (above all, the many with no evidence at all) by popularity and changes no other ordering.
 */
export function popularityTieBreak (counts: ArrayLike<number>, scale: number): Float32Array {
  let max = 0
  for (let i = 0; i < counts.length; i++) max = Math.max(max, counts[i])
  return Float32Array.from(counts, (c) => (c / (max + 1)) * scale)
}
