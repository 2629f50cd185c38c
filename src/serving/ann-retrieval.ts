import type { AnnIndex } from '../models/ann/ann-index.js'
import { AnnThread, type Found } from '../models/ann/ann-thread.js'
import type { CompactMatrix } from '../models/compact-matrix.js'
import { BLOCK_ITEMS, ItemMatrixScorer } from '../models/item-matrix-scorer.js'

/**
 * What rankBatchAnn searches: the index, the matrix its candidates are re-ranked with, and the
 * head every user's candidates include. The head is the same rows for every user, so it is scored
 * for a whole group of users in one TF.js product (about 4 us a user for 1,024 rows here, against
 * about 36 us row by row in JavaScript: bench:rank-cpu); the graph's candidates differ per user and
 * are scored row by row. Owns the index: `dispose()` releases both.
 */
export class AnnRetrieval {
  readonly index: AnnIndex
  readonly matrix: CompactMatrix
  /** Ascending item indices added to every user's candidates. */
  readonly head: Int32Array
  /** 1 for an item of the head: a graph candidate among them is not scored twice. */
  readonly isHead: Uint8Array
  readonly #headScorer: ItemMatrixScorer | undefined
  #thread: AnnThread | undefined

  /** `searchThread`: search on a thread of its own (AnnThread; a memory-mapped index only), the default for one. */
  constructor (index: AnnIndex, matrix: CompactMatrix, head: Int32Array, { searchThread = index.file !== undefined }: { searchThread?: boolean } = {}) {
    if (head.length > BLOCK_ITEMS) throw new RangeError(`a head of ${head.length} items; at most ${BLOCK_ITEMS} are scored in one product`)
    this.index = index
    this.matrix = matrix
    this.head = head
    this.isHead = new Uint8Array(matrix.rows)
    for (const i of head) this.isHead[i] = 1
    this.#headScorer = head.length === 0 ? undefined : new ItemMatrixScorer(matrix.gather(head), matrix.width)
    try {
      this.#thread = searchThread ? new AnnThread(index) : undefined
    } catch (err) {
      this.#headScorer?.dispose()
      throw err
    }
  }

  /** Whether searches run on the search thread (so several may be asked at once). */
  get threaded (): boolean {
    return this.#thread !== undefined
  }

  /**
   * The `fetch` nearest items of each of `count` query rows packed in `queries` (serving width).
   * Never rejects for the thread's sake: once the search thread fails, this thread searches.
   */
  async search (queries: Float32Array, count: number, fetch: number): Promise<Found> {
    if (this.#thread !== undefined) {
      try {
        return await this.#thread.search(queries, count, fetch)
      } catch {
        this.#thread?.close()
        this.#thread = undefined
      }
    }
    const found = this.index.search(queries, count, fetch)
    const items = new Int32Array(count * found.fetch)
    const counts = Int32Array.from(found.counts, Number)
    // keys are item indices, below 2^32: their low words (little-endian, as every platform Node
    // runs on here), read without a BigInt per key
    const keys = new Uint32Array(found.keys.buffer, found.keys.byteOffset, found.keys.length * 2)
    for (let j = 0; j < items.length; j++) items[j] = keys[2 * j]
    return { items, counts, fetch: found.fetch }
  }

  /** Scores [count, head.length], row-major, for `count` user vectors packed in `users`. */
  headScores (users: Float32Array, count: number): Float32Array {
    if (this.#headScorer === undefined || count === 0) return new Float32Array(0)
    return this.#headScorer.scoreBlock(users, count, 0)
  }

  dispose (): void {
    this.#thread?.close()
    this.#thread = undefined
    this.#headScorer?.dispose()
    this.index.dispose()
  }
}
