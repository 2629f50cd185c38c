import { IdMap } from '../data/id-map.js'
import type { ItemIds } from '../data/packed-ids.js'
import type { AnnIndex } from '../models/ann/ann-index.js'
import { CompactMatrix, type MatrixPrecision } from '../models/compact-matrix.js'
import { ItemMatrixScorer } from '../models/item-matrix-scorer.js'
import { rankBatchAnn } from './ann-ranker.js'
import { AnnRetrieval } from './ann-retrieval.js'
import { biasHead } from './bias-head.js'
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
  /** The version's item ids in index order, or their id map built already (by the loader, off the event loop). */
  itemIds: readonly string[] | ItemIds
  encoder: StudentEncoder
  popular: PopularRanking
  batch: BatchOptions
  /** Serve by approximate retrieval with exact re-ranking over this index; exact scoring without. */
  ann?: AnnIndex
  /** How the serving item matrix is held (ITEM_MATRIX_PRECISION); float32 when omitted. */
  precision?: MatrixPrecision
  /** Built already (by the loader, off the event loop): the item matrix, the ANN bias head. */
  matrix?: CompactMatrix
  head?: Int32Array
}

/**
 * A student version ready to serve: the user side in plain arrays (StudentEncoder), and a
 * micro-batcher so concurrent cache misses share one call. Below ANN_MIN_ITEMS the item matrix is
 * held as TF.js blocks and every item is scored (exact); with an ANN index the matrix is held in
 * plain arrays at its serving precision and only the index's candidates are scored (ann-ranker.ts).
 */
export class StudentServable implements Servable {
  readonly kind = 'student'
  readonly version: number
  readonly items: ItemIds
  readonly #encoder: StudentEncoder
  readonly retrieval: 'exact' | 'ann'
  readonly #scorer: ItemMatrixScorer | undefined
  readonly #ann: AnnRetrieval | undefined
  readonly #popular: PopularRanking
  readonly #batcher: MicroBatcher<RankJob, RankedItems>

  constructor ({ version, itemIds, encoder, popular, batch, ann, precision = 'float32', ...built }: StudentServableOptions) {
    const items = 'index' in itemIds ? itemIds : IdMap.fromIds(itemIds)
    if (items.size !== encoder.config.numItems) throw new RangeError(`${items.size} item ids for a student of ${encoder.config.numItems} items`)
    this.version = version
    this.items = items
    this.#encoder = encoder
    this.#popular = popular
    if (ann !== undefined && ann.size !== items.size) throw new RangeError(`an ANN index of ${ann.size} items for a student of ${items.size} items`)
    // the batcher first (it may refuse its options), so no tensor or search thread is made for a servable that is not built
    this.#batcher = new MicroBatcher({
      maxBatch: batch.maxBatch,
      maxWaitMs: batch.maxWaitMs,
      run: async (jobs) => {
        const started = performance.now()
        try {
          return this.#ann !== undefined ? await rankBatchAnn(this.#ann, jobs) : await rankBatch(this.#scorer!, jobs)
        } finally {
          batch.onBatch?.(jobs.length, (performance.now() - started) / 1000)
        }
      }
    })
    const matrix = built.matrix ?? new CompactMatrix(encoder.itemMatrix(), encoder.servingDim, precision)
    this.retrieval = ann === undefined ? 'exact' : 'ann'
    this.#ann = ann === undefined ? undefined : new AnnRetrieval(ann, matrix, built.head ?? biasHead(matrix, encoder.config.itemBias))
    this.#scorer = ann === undefined ? new ItemMatrixScorer(matrix.toFloat32(), encoder.servingDim) : undefined
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
    this.#scorer?.dispose()
    this.#ann?.dispose()
  }
}
