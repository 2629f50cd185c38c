import * as tf from '@tensorflow/tfjs'
import { RowIndex } from '../../tf/row-index.js'
import type { RowSource } from '../../tf/sparse-embedding.js'

/**
 * A gradient thread's view of the item rows a sparse step touches (see ThreadGradientPool): the
 * main thread gathered them, numbered as its SparseEmbedding numbers them, and wrote their ids
 * and values to shared memory; `load` numbers the same ids the same way, so this thread's share
 * of the batch reads, and gets gradients for, the same rows.
 */
export class SharedRows implements RowSource {
  readonly index: RowIndex
  #values: Float32Array<ArrayBufferLike> = new Float32Array(0)
  #gathered: tf.Variable | undefined

  constructor (rows: number, readonly width: number) {
    this.index = new RowIndex(rows)
  }

  /** The step's rows: `ids` in compact order and their values [ids.length, width]. */
  load (ids: Int32Array, values: Float32Array<ArrayBufferLike>): void {
    this.release()
    this.index.map(ids)
    this.#values = values
  }

  gather (): tf.Variable {
    this.#gathered?.dispose()
    const rows = this.index.size
    this.#gathered = tf.tidy(() => tf.variable(tf.tensor2d(this.#values.subarray(0, rows * this.width), [rows, this.width]), true))
    return this.#gathered
  }

  /** Disposes the step's variable and forgets its rows. */
  release (): void {
    this.#gathered?.dispose()
    this.#gathered = undefined
    this.index.clear()
  }
}
