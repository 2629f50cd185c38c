import * as tf from '@tensorflow/tfjs'
import { LazyAdamTable, type LazyAdamSettings } from './lazy-adam-table.js'
import { RowIndex } from './row-index.js'

/**
 * Where a sparse step's rows come from: the step adds the ids it reads to `index`, then `gather()`
 * gives the rows added so far as one small variable, numbered as `index` numbers them.
 */
export interface RowSource {
  readonly index: RowIndex
  gather: () => tf.Variable
}

/**
 * A large embedding variable trained with sparse row gradients for the length of a run: its
 * values are copied out once into a LazyAdamTable; each step adds the ids it reads to `index`,
 * takes `gather()` (a small variable of the touched rows) into its loss, and hands the gradient of
 * that variable to `update`, which moves only those rows. `syncTo` writes the table back into the
 * model's variable (once an epoch, before validation and snapshots), so artifacts, scoring and
 * everything else that reads the variable see the trained values in the usual format.
 */
export class SparseEmbedding implements RowSource {
  readonly index: RowIndex
  readonly table: LazyAdamTable
  readonly #shape: [number, number]
  readonly #variableRows: number
  #gathered: tf.Variable | undefined
  #ids: Int32Array | undefined

  /**
   * With `index`, the rows are numbered by another table's index (an item bias beside the item
   * vectors): this table has `index.rows` rows, those past the variable's zero and never written back.
   */
  constructor (variable: tf.Variable, settings?: LazyAdamSettings, index?: RowIndex) {
    const [variableRows, ...rest] = variable.shape
    const width = rest.reduce((a, b) => a * b, 1)
    const rows = index?.rows ?? variableRows
    if (rows < variableRows) throw new RangeError(`an index of ${rows} rows cannot number a table of ${variableRows}`)
    this.#shape = [rows, width]
    this.#variableRows = variableRows
    this.index = index ?? new RowIndex(rows)
    const values = new Float32Array(rows * width)
    values.set(variable.dataSync() as Float32Array)
    this.table = new LazyAdamTable(values, rows, width, settings)
  }

  /**
   * The rows added to `index` so far as a fresh [rows, width] variable (disposed by `update` or
   * `discard`); ids added after this call are not in it.
   */
  gather (): tf.Variable {
    this.#gathered?.dispose()
    this.#ids = this.index.unique()
    const values = this.table.gather(this.#ids)
    this.#gathered = tf.tidy(() => tf.variable(tf.tensor2d(values, [this.#ids!.length, this.#shape[1]]), true))
    return this.#gathered
  }

  /** Lazy Adam on the gathered rows with `grad` (their gradient; none: the loss did not reach them), then a fresh step. */
  update (grad: tf.Tensor | undefined, learningRate: number): void {
    if (this.#ids !== undefined && grad !== undefined) this.table.update(this.#ids, grad.dataSync(), learningRate)
    this.discard()
  }

  /** Forgets the step's rows without updating them. */
  discard (): void {
    this.#gathered?.dispose()
    this.#gathered = undefined
    this.#ids = undefined
    this.index.clear()
  }

  /** The table's values into `variable` (the one it was made from). */
  syncTo (variable: tf.Variable): void {
    tf.tidy(() => variable.assign(tf.tensor(this.table.values.subarray(0, this.#variableRows * this.#shape[1]), variable.shape)))
  }

  dispose (): void {
    this.discard()
  }
}
