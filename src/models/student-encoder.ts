import { checkFamily, denseInputs, type StudentConfig } from './student-config.js'

/** The student's weights as plain arrays, by the names `Student.weights()` uses. */
export interface StudentWeightValues {
  items: Float32Array
  positionWeights: Float32Array
  denseKernel?: Float32Array
  denseBias?: Float32Array
  itemBias?: Float32Array
}

/** The history item that adds most to an item's score, and how much (see StudentEncoder.explain). */
export interface Attribution {
  /** Index of the history item (on the catalogue), not its position. */
  item: number
  contribution: number
}

/**
 * The student's user side in plain JavaScript: pooling a window of at most `window` items and one
 * dim x dim map (2·dim x dim for `last-item`, the pool then the last item's row) is a few hundred
 * multiply-adds, far cheaper than a TF.js call, so serving and evaluation both encode here (and
 * score through the same `ItemMatrixScorer`), which keeps a served ranking identical to the one
 * `npm run eval` measures.
 */
export class StudentEncoder {
  readonly config: Readonly<StudentConfig>
  /** Width of a user vector and of an item row: dim, plus 1 for the item-bias column. */
  readonly servingDim: number
  readonly #w: StudentWeightValues
  readonly #pooled: Float64Array

  /** `finiteChecked`: the values were found finite already (by the thread that loaded them), a scan of every value spared. */
  constructor (config: Readonly<StudentConfig>, weights: StudentWeightValues, { finiteChecked = false }: { finiteChecked?: boolean } = {}) {
    const { numItems, dim, window, dense, itemBias } = config
    checkFamily(config)
    const inputs = denseInputs(config)
    expectLength('items', weights.items, (numItems + 1) * dim)
    expectLength('positionWeights', weights.positionWeights, window)
    if (dense) {
      expectLength('denseKernel', weights.denseKernel, inputs * dim * dim)
      expectLength('denseBias', weights.denseBias, dim)
    }
    if (itemBias) expectLength('itemBias', weights.itemBias, numItems)
    for (const [name, values] of finiteChecked ? [] : Object.entries(weights)) {
      if (values !== undefined && !values.every(Number.isFinite)) throw new RangeError(`weight ${name} holds a value that is not finite`)
    }
    this.config = config
    this.servingDim = dim + (itemBias ? 1 : 0)
    this.#w = weights
    this.#pooled = new Float64Array(inputs * dim)
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
    // last-item: the newest row after the pool (zeros, as filled, for an empty history)
    if (pooled.length > dim && take > 0) {
      const row = history[history.length - 1] * dim
      for (let d = 0; d < dim; d++) pooled[dim + d] = items[row + d]
    }
    if (dense) {
      const kernel = this.#w.denseKernel as Float32Array
      const bias = this.#w.denseBias as Float32Array
      for (let d = 0; d < dim; d++) {
        let sum = bias[d]
        for (let c = 0; c < pooled.length; c++) sum += pooled[c] * kernel[c * dim + d]
        out[offset + d] = sum
      }
    } else {
      for (let d = 0; d < dim; d++) out[offset + d] = pooled[d]
    }
    if (itemBias) out[offset + dim] = 1
    return out
  }

  /**
   * For each of `items`, the history item that contributes most to its score. The score is linear
   * in the pooled history: with p = Σ_j w_j E[h_j] over the last `window` positions j, user u =
   * Kᵀp + b (dense; u = p without it) and score(i) = u · E[i] + bias[i], so
   *   score(i) = Σ_j w_j · E[h_j] · (K E[i])  +  b · E[i] + bias[i].
   * Each position's term is its exact share; the last two terms depend on the item alone and belong
   * to no history item. An item's contribution is the sum of its positions' terms (an item seen
   * twice counts once, with both); positions before the window contribute nothing. Ties go to the
   * more recent item. Sums are in float64, so they agree with the float32 served score to rounding.
   * The last-item family adds one exact term, the last item's: with K = [K_p ; K_l] (pool rows,
   * then last-item rows), score(i) gains E[h_last] · (K_l E[i]), credited to the last item.
   */
  explain (history: Int32Array, items: Int32Array): Attribution[] {
    const { dim, window, dense } = this.config
    const { items: table, positionWeights } = this.#w
    const take = Math.min(window, history.length)
    if (take === 0) throw new RangeError('an explanation needs a non-empty history')
    // distinct items of the window, most recent first, and each position's slot among them
    const distinct: number[] = []
    const slots = new Int32Array(take)
    for (let j = take - 1; j >= 0; j--) {
      const item = history[history.length - take + j]
      let slot = distinct.indexOf(item)
      if (slot === -1) slot = distinct.push(item) - 1
      slots[j] = slot
    }
    const sums = new Float64Array(distinct.length)
    const inputs = dense ? denseInputs(this.config) : 1
    const projected = new Float64Array(inputs * dim)
    const out: Attribution[] = []
    for (const target of items) {
      const row = target * dim
      if (dense) {
        const kernel = this.#w.denseKernel as Float32Array
        for (let c = 0; c < projected.length; c++) {
          let sum = 0
          for (let d = 0; d < dim; d++) sum += kernel[c * dim + d] * table[row + d]
          projected[c] = sum
        }
      } else {
        for (let d = 0; d < dim; d++) projected[d] = table[row + d]
      }
      sums.fill(0)
      for (let j = 0; j < take; j++) {
        const from = history[history.length - take + j] * dim
        let dot = 0
        for (let d = 0; d < dim; d++) dot += table[from + d] * projected[d]
        sums[slots[j]] += positionWeights[window - take + j] * dot
      }
      if (inputs === 2) {
        const from = history[history.length - 1] * dim
        let dot = 0
        for (let d = 0; d < dim; d++) dot += table[from + d] * projected[dim + d]
        sums[slots[take - 1]] += dot
      }
      let best = 0
      for (let slot = 1; slot < sums.length; slot++) if (sums[slot] > sums[best]) best = slot
      out.push({ item: distinct[best], contribution: sums[best] })
    }
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
