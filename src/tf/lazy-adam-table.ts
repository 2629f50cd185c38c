/**
 * An embedding table trained sparsely: its values and Adam's moments live in Float32Arrays owned
 * here, a step gathers the rows it touches into a small tensor (see RowIndex) and hands back the
 * gradient of those rows, and only those rows are updated (lazy Adam, as TensorFlow's LazyAdam and
 * production recommenders do). A step therefore costs what it touches: TF.js tensors are
 * immutable, so updating a few rows of a [1M, d] variable would rewrite all of it.
 *
 * Each row counts its own updates for the bias correction, so a row touched at every step moves
 * exactly as dense TF.js Adam moves it (same formula: lr * m̂ / (sqrt(v̂) + epsilon)), and an
 * untouched row keeps its values and moments.
 */
export interface LazyAdamSettings {
  beta1?: number
  beta2?: number
  /** TF.js Adam's float32 default. */
  epsilon?: number
}

export class LazyAdamTable {
  readonly values: Float32Array
  readonly #m: Float32Array
  readonly #v: Float32Array
  readonly #steps: Int32Array
  readonly #beta1: number
  readonly #beta2: number
  readonly #epsilon: number

  /** `values` (row-major [rows, width]) is taken over, not copied. */
  constructor (values: Float32Array, readonly rows: number, readonly width: number, settings: LazyAdamSettings = {}) {
    if (values.length !== rows * width) throw new RangeError(`a [${rows}, ${width}] table needs ${rows * width} values, got ${values.length}`)
    this.values = values
    this.#m = new Float32Array(values.length)
    this.#v = new Float32Array(values.length)
    this.#steps = new Int32Array(rows)
    // touch every page now: a fresh array is mapped lazily, and its first writes would otherwise
    // fault pages in during the steps (on a 1M-row table, most rows a step touches early on)
    this.#m.fill(0)
    this.#v.fill(0)
    this.#steps.fill(0)
    this.#beta1 = settings.beta1 ?? 0.9
    this.#beta2 = settings.beta2 ?? 0.999
    this.#epsilon = settings.epsilon ?? 1e-7
  }

  /** The rows `ids` row-major [ids.length, width]. */
  gather (ids: Int32Array): Float32Array {
    const w = this.width
    const out = new Float32Array(ids.length * w)
    for (let r = 0; r < ids.length; r++) out.set(this.values.subarray(ids[r] * w, ids[r] * w + w), r * w)
    return out
  }

  /** One Adam step on rows `ids` (distinct) with their gradients `grads` [ids.length, width]. */
  update (ids: Int32Array, grads: ArrayLike<number>, learningRate: number): void {
    const w = this.width
    const b1 = this.#beta1
    const b2 = this.#beta2
    for (let r = 0; r < ids.length; r++) {
      const row = ids[r]
      const t = ++this.#steps[row]
      const step = learningRate / (1 - Math.pow(b1, t))
      const secondCorrection = 1 - Math.pow(b2, t)
      for (let j = 0, at = row * w, g = r * w; j < w; j++, at++, g++) {
        const m = this.#m[at] = b1 * this.#m[at] + (1 - b1) * grads[g]
        const v = this.#v[at] = b2 * this.#v[at] + (1 - b2) * grads[g] * grads[g]
        this.values[at] -= step * m / (Math.sqrt(v / secondCorrection) + this.#epsilon)
      }
    }
  }
}
