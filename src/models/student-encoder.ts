import type { StudentConfig } from './student-config.js'

/** The student's weights as plain arrays, by the names `Student.weights()` uses. */
export interface StudentWeightValues {
  items: Float32Array
  positionWeights: Float32Array
  denseKernel?: Float32Array
  denseBias?: Float32Array
  itemBias?: Float32Array
}

/**
 * The student's user side in plain JavaScript: pooling a window of at most `window` items and one
 * dim x dim map is a few hundred multiply-adds, far cheaper than a TF.js call, so serving and
 * evaluation both encode here (and score through the same `ItemMatrixScorer`), which keeps a served
 * ranking identical to the one `npm run eval` measures.
 */
export class StudentEncoder {
  readonly config: Readonly<StudentConfig>
  /** Width of a user vector and of an item row: dim, plus 1 for the item-bias column. */
  readonly servingDim: number
  readonly #w: StudentWeightValues
  readonly #pooled: Float64Array

  constructor (config: Readonly<StudentConfig>, weights: StudentWeightValues) {
    const { numItems, dim, window, dense, itemBias } = config
    expectLength('items', weights.items, (numItems + 1) * dim)
    expectLength('positionWeights', weights.positionWeights, window)
    if (dense) {
      expectLength('denseKernel', weights.denseKernel, dim * dim)
      expectLength('denseBias', weights.denseBias, dim)
    }
    if (itemBias) expectLength('itemBias', weights.itemBias, numItems)
    for (const [name, values] of Object.entries(weights)) {
      if (values !== undefined && !values.every(Number.isFinite)) throw new RangeError(`weight ${name} holds a value that is not finite`)
    }
    this.config = config
    this.servingDim = dim + (itemBias ? 1 : 0)
    this.#w = weights
    this.#pooled = new Float64Array(dim)
  }

  /**
   * The user vector for a history (item indices, oldest first; indices outside the catalogue are
   * the caller's to drop), written into `out` at `offset`. Ends in 1 when the bias column is on.
   */
  encode (history: Int32Array, out = new Float32Array(this.servingDim), offset = 0): Float32Array {
    const { dim, window, dense, itemBias } = this.config
    const { items, positionWeights } = this.#w
    const pooled = this.#pooled.fill(0)
    const take = Math.min(window, history.length)
    for (let j = 0; j < take; j++) {
      // right-aligned, as in training: the newest item meets the last position weight
      const weight = positionWeights[window - take + j]
      const row = history[history.length - take + j] * dim
      for (let d = 0; d < dim; d++) pooled[d] += weight * items[row + d]
    }
    if (dense) {
      const kernel = this.#w.denseKernel as Float32Array
      const bias = this.#w.denseBias as Float32Array
      for (let d = 0; d < dim; d++) {
        let sum = bias[d]
        for (let c = 0; c < dim; c++) sum += pooled[c] * kernel[c * dim + d]
        out[offset + d] = sum
      }
    } else {
      for (let d = 0; d < dim; d++) out[offset + d] = pooled[d]
    }
    if (itemBias) out[offset + dim] = 1
    return out
  }

  /** Row-major [numItems, servingDim]: each item's embedding, then its bias when enabled. */
  itemMatrix (): Float32Array {
    const { numItems, dim, itemBias } = this.config
    const width = this.servingDim
    const out = new Float32Array(numItems * width)
    for (let i = 0; i < numItems; i++) {
      out.set(this.#w.items.subarray(i * dim, (i + 1) * dim), i * width)
      if (itemBias) out[i * width + dim] = (this.#w.itemBias as Float32Array)[i]
    }
    return out
  }
}

function expectLength (name: string, values: Float32Array | undefined, length: number): void {
  if (values === undefined) throw new RangeError(`weight ${name} is missing`)
  if (values.length !== length) throw new RangeError(`weight ${name} holds ${values.length} values, expected ${length}`)
}
