import { IdMap } from '../data/id-map.js'
import { ItemMatrixScorer } from '../models/item-matrix-scorer.js'
import type { StudentEncoder } from '../models/student-encoder.js'
import { rankBatch, type RankJob } from './block-ranker.js'
import { MicroBatcher } from './micro-batcher.js'
import type { PopularRanking } from './popular-ranking.js'
import type { Allowed, RankedItems, Ranker, Servable } from './servable.js'

export interface BatchOptions {
  maxBatch: number
  maxWaitMs: number
  onBatch?: (size: number, seconds: number) => void
}

export interface StudentServableOptions {
  version: number
  itemIds: readonly string[]
  encoder: StudentEncoder
  popular: PopularRanking
  batch: BatchOptions
}

/**
 * A student version ready to serve: the user side in plain arrays (StudentEncoder), the item
 * matrix as TF.js blocks, and a micro-batcher so concurrent cache misses share one product.
 */
export class StudentServable implements Servable {
  readonly kind = 'student'
  readonly version: number
  readonly items: IdMap
  readonly #encoder: StudentEncoder
  readonly #scorer: ItemMatrixScorer
  readonly #popular: PopularRanking
  readonly #batcher: MicroBatcher<RankJob, RankedItems>

  constructor ({ version, itemIds, encoder, popular, batch }: StudentServableOptions) {
    if (itemIds.length !== encoder.config.numItems) throw new RangeError(`${itemIds.length} item ids for a student of ${encoder.config.numItems} items`)
    this.version = version
    this.items = IdMap.fromIds(itemIds)
    this.#encoder = encoder
    this.#popular = popular
    this.#scorer = new ItemMatrixScorer(encoder.itemMatrix(), encoder.servingDim)
    this.#batcher = new MicroBatcher({
      maxBatch: batch.maxBatch,
      maxWaitMs: batch.maxWaitMs,
      run: async (jobs) => {
        const started = performance.now()
        try {
          return await rankBatch(this.#scorer, jobs)
        } finally {
          batch.onBatch?.(jobs.length, (performance.now() - started) / 1000)
        }
      }
    })
  }

  popular (depth: number, allowed: Allowed): RankedItems {
    return this.#popular.rank(depth, allowed)
  }

  readonly ranker: Ranker = {
    encode: (history) => this.#encoder.encode(history),
    rank: async (vector, depth, allowed) => await this.#batcher.submit({ vector, depth, allowed }),
    explain: (history, items) => this.#encoder.explain(history, items)
  }

  dispose (): void {
    this.#batcher.close()
    this.#scorer.dispose()
  }
}
