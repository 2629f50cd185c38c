import { attentionShape, checkFamily, denseInputs, studentFamily, type StudentConfig } from './student-config.js'
import { ATTENTION_WEIGHT_NAMES, attentionWeightShapes, type AttentionWeightName } from './latest-attention-shape.js'
import { LatestAttentionEncoder } from './latest-attention-encoder.js'
import { leaveOneOut, type Attribution } from './leave-one-out.js'

export type { Attribution }

/** The student's weights as plain arrays, by the names `Student.weights()` uses (the attention block's for that family). */
export type StudentWeightValues = {
  items: Float32Array
  /** Pooling and last-item families. */
  positionWeights?: Float32Array
  denseKernel?: Float32Array
  denseBias?: Float32Array
  itemBias?: Float32Array
} & Partial<Record<AttentionWeightName, Float32Array>>

/**
 * The student's user side in plain JavaScript: pooling a window of at most `window` items and one
 * dim x dim map (2·dim x dim for `last-item`, the pool then the last item's row) is a few hundred
 * multiply-adds, far cheaper than a TF.js call, so serving and evaluation both encode here (and
 * score through the same `ItemMatrixScorer`), which keeps a served ranking identical to the one
 * `npm run eval` measures. The attention family runs its block at the latest position only
 * (LatestAttentionEncoder) in place of the pool.
 */
export class StudentEncoder {
  readonly config: Readonly<StudentConfig>
  /** Width of a user vector and of an item row: dim, plus 1 for the item-bias column. */
  readonly servingDim: number
  readonly #w: StudentWeightValues
  readonly #pooled: Float64Array
  // explain's scratch, reused: it runs to completion, one call at a time
  readonly #distinct: Int32Array
  readonly #slotPooled: Float64Array
  readonly #target: Float64Array
  readonly #lastRow: Float64Array
  /** The dense kernel in float64, so that every dot of explain reads one kind of array. */
  readonly #kernel: Float64Array
  /** Above this many values (numItems x inputs·dim) no projection is kept: each is computed per explanation. */
  readonly #keptMax: number
  /** One projection, when none is kept. */
  readonly #fresh: Float64Array
  #projections: Float64Array | undefined
  /** 1 where #projections holds the item's row. */
  #projected: Uint8Array | undefined
  readonly #attention: LatestAttentionEncoder | undefined

  /**
   * `keptProjectionsMax`: the most float64 values explain may keep (default 2^22, 32 MiB: every item
   * of a catalogue up to 262,144 items at dim 16, pooling); a larger catalogue projects anew each time.
   * `finiteChecked`: the values were found finite already (by the thread that loaded them), a scan of every value spared.
   */
  constructor (config: Readonly<StudentConfig>, weights: StudentWeightValues, { keptProjectionsMax = 1 << 22, finiteChecked = false }: { keptProjectionsMax?: number, finiteChecked?: boolean } = {}) {
    const { numItems, dim, window, dense, itemBias } = config
    checkFamily(config)
    const inputs = denseInputs(config)
    expectLength('items', weights.items, (numItems + 1) * dim)
    const attention = studentFamily(config) === 'attention' ? { ...attentionShape(config), window } : undefined
    if (attention === undefined) {
      expectLength('positionWeights', weights.positionWeights, window)
    } else {
      const shapes = attentionWeightShapes(attention)
      for (const name of ATTENTION_WEIGHT_NAMES) expectLength(name, weights[name], shapes[name].reduce((a, b) => a * b, 1))
    }
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
    this.#distinct = new Int32Array(window)
    this.#slotPooled = new Float64Array(window * dim)
    this.#target = new Float64Array(dim)
    this.#keptMax = keptProjectionsMax
    this.#fresh = new Float64Array(inputs * dim)
    this.#lastRow = new Float64Array(dim)
    this.#kernel = Float64Array.from(weights.denseKernel ?? [])
    this.#attention = attention === undefined ? undefined : new LatestAttentionEncoder(attention, weights.items, weights as Record<AttentionWeightName, Float32Array>)
  }

  /**
   * The user vector for a history (item indices, oldest first; indices outside the catalogue are
   * the caller's to drop), written into `out` at `offset`. Ends in 1 when the bias column is on.
   */
  encode (history: Int32Array, out = new Float32Array(this.servingDim), offset = 0): Float32Array {
    const { dim, window, dense, itemBias } = this.config
    const { items } = this.#w
    const positionWeights = this.#w.positionWeights as Float32Array
    const pooled = this.#pooled.fill(0)
    const take = Math.min(window, history.length)
    if (this.#attention !== undefined) {
      this.#attention.state(history, pooled)
    } else {
      for (let j = 0; j < take; j++) {
        // right-aligned, as in training: the newest item meets the last position weight
        const weight = positionWeights[window - take + j]
        const row = history[history.length - take + j] * dim
        for (let d = 0; d < dim; d++) pooled[d] += weight * items[row + d]
      }
    }
    // last-item: the newest row after the pool (zeros, as filled, for an empty history)
    if (denseInputs(this.config) === 2 && take > 0) {
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
   * The attention family's score is not linear in the history's rows, so it has no exact shares:
   * it is explained by leave-one-out over the window (see leaveOneOut).
   */
  explain (history: Int32Array, items: Int32Array): Attribution[] {
    const { dim, window, dense } = this.config
    const { items: table } = this.#w
    if (this.#attention !== undefined) return leaveOneOut(this, history, items, table)
    const positionWeights = this.#w.positionWeights as Float32Array
    const take = Math.min(window, history.length)
    if (take === 0) throw new RangeError('an explanation needs a non-empty history')
    // Each distinct item s of the window (most recent first) pooled once, a_s = Σ_{j holds s} w_j E[h_j]:
    // its share of score(i) is then a_s · (K E[i]), one dot per distinct item and target instead of
    // one per position, and K E[i] is the item's alone, kept from its first explanation (#projection).
    const distinct = this.#distinct
    const pooled = this.#slotPooled
    let count = 0
    for (let j = take - 1; j >= 0; j--) {
      const item = history[history.length - take + j]
      let slot = 0
      while (slot < count && distinct[slot] !== item) slot++
      if (slot === count) {
        distinct[count++] = item
        pooled.fill(0, slot * dim, (slot + 1) * dim)
      }
      const weight = positionWeights[window - take + j]
      const row = item * dim
      const at = slot * dim
      for (let d = 0; d < dim; d++) pooled[at + d] += weight * table[row + d]
    }
    // last-item: the newest item, slot 0, also meets the kernel's last-item rows
    const width = denseInputs(this.config) * dim
    const keep = this.config.numItems * width <= this.#keptMax
    const last = width > dim
    if (last) copyRow(table, history[history.length - 1] * dim, this.#lastRow, dim)
    const out: Attribution[] = new Array(items.length)
    for (let t = 0; t < items.length; t++) {
      // K E[i] (E[i] itself without the dense layer) at projected[at...]
      let projected = this.#target
      let at = 0
      if (!dense) {
        copyRow(table, items[t] * dim, projected, dim)
      } else if (keep) {
        at = this.#projection(items[t])
        projected = this.#projections!
      } else {
        projected = this.#fresh
        this.#project(items[t], projected, 0)
      }
      let best = 0
      let bestSum = -Infinity
      for (let slot = 0; slot < count; slot++) {
        let sum = dot(pooled, slot * dim, projected, at, dim)
        if (slot === 0 && last) sum += dot(this.#lastRow, 0, projected, at + dim, dim)
        // strictly greater: a tie goes to the more recent item
        if (sum > bestSum) {
          best = slot
          bestSum = sum
        }
      }
      out[t] = { item: distinct[best], contribution: bestSum }
    }
    return out
  }

  /**
   * Where K E[item] (the item's row through the dense kernel: pool rows, then last-item rows) sits
   * in #projections. It depends on the item alone, so it is computed on the item's first
   * explanation and read after that: each explained item pays its dim² multiply-adds once.
   * The table (numItems x inputs·dim, float64) is allocated on the first explanation; rows never
   * explained are never written, so their pages are never mapped.
   */
  #projection (item: number): number {
    const { numItems, dim } = this.config
    const width = denseInputs(this.config) * dim
    if (this.#projections === undefined) {
      this.#projections = new Float64Array(numItems * width)
      this.#projected = new Uint8Array(numItems)
    }
    const at = item * width
    if (this.#projected![item] === 1) return at
    this.#project(item, this.#projections, at)
    this.#projected![item] = 1
    return at
  }

  /** K E[item] into out[at...]. */
  #project (item: number, out: Float64Array, at: number): void {
    const dim = this.config.dim
    const row = this.#target
    copyRow(this.#w.items, item * dim, row, dim)
    for (let c = 0; c < this.#fresh.length; c++) out[at + c] = dot(this.#kernel, c * dim, row, 0, dim)
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

function copyRow (from: Float32Array, at: number, to: Float64Array, n: number): void {
  for (let d = 0; d < n; d++) to[d] = from[at + d]
}

/**
 * a[i..i+n) · b[j..j+n) in float64, in four independent sums: one running sum waits on each
 * addition before the next, and explain's dots are short (n = dim), so that wait is their cost.
 */
function dot (a: Float64Array, i: number, b: Float64Array, j: number, n: number): number {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let d = 0
  for (; d + 4 <= n; d += 4) {
    s0 += a[i + d] * b[j + d]
    s1 += a[i + d + 1] * b[j + d + 1]
    s2 += a[i + d + 2] * b[j + d + 2]
    s3 += a[i + d + 3] * b[j + d + 3]
  }
  for (; d < n; d++) s0 += a[i + d] * b[j + d]
  return (s0 + s1) + (s2 + s3)
}

function expectLength (name: string, values: Float32Array | undefined, length: number): void {
  if (values === undefined) throw new RangeError(`weight ${name} is missing`)
  if (values.length !== length) throw new RangeError(`weight ${name} holds ${values.length} values, expected ${length}`)
}
