import * as tf from '@tensorflow/tfjs'
import { Random } from '../data/random.js'
import { addBias } from '../tf/bias.js'
import { lookupRows } from '../tf/embedding.js'
import { constantVariable, normalVariable } from '../tf/init.js'
import { matMul2d } from '../tf/matmul.js'
import { assignWeights, countParams, requirePositiveInt, type GatheredItems, type SequenceModel } from './sequence-model.js'
import { ItemMatrixScorer } from './item-matrix-scorer.js'
import { StudentEncoder, type StudentWeightValues } from './student-encoder.js'
import { padWindows } from './windows.js'
import { attentionShape, checkFamily, denseInputs, studentFamily, STUDENT_DEFAULTS, STUDENT_FAMILIES, type StudentConfig, type StudentFamily } from './student-config.js'
import { attentionVariables, latestAttentionMacs, latestAttentionState } from './latest-attention.js'

export { STUDENT_DEFAULTS, STUDENT_FAMILIES, type StudentConfig, type StudentFamily }

const SCORE_CHUNK = 1024

/**
 * The served model: user vector = W · (Σ_j w_j · E[item_j]) + b over the last `window` items
 * (w learned per recency position), score(item) = user · E[item] + bias[item]. The `last-item`
 * family feeds W the pool and the last item's embedding side by side: u = W · [p ; E[last]] + b
 * (W is 2·dim x dim; an empty history's last item is zeros). Both are linear in the item rows, so
 * StudentEncoder.explain stays exact for both. The `attention` family replaces the pool by one
 * causal self-attention block read at the latest position (latest-attention.ts): u = W · block + b.
 * Serving caches `userVectors` and multiplies by `itemMatrix`; the bias rides as a last column
 * (user vectors end in 1), so both sides are `servingDim` wide. Item `numItems` is padding.
 */
export class Student implements SequenceModel<StudentConfig> {
  readonly kind = 'student'
  readonly name = 'student'
  readonly config: Readonly<StudentConfig>
  readonly #w: Record<string, tf.Variable>

  /** `zeros`: weights about to be overwritten (a saved version restored) skip the random draw, a second per million items. */
  constructor (config: Partial<StudentConfig> & { numItems: number }, { zeros = false }: { zeros?: boolean } = {}) {
    const given = { ...STUDENT_DEFAULTS, ...config }
    for (const key of ['numItems', 'dim', 'window'] as const) requirePositiveInt(key, given[key])
    checkFamily(given)
    // an attention student's manifest records its block's shape, defaults included
    const c = given.family === 'attention' ? { ...given, ...attentionShape(given) } : given
    this.config = Object.freeze(c)
    const rng = new Random(c.seed)
    this.#w = {
      items: zeros ? constantVariable([c.numItems + 1, c.dim], 0) : normalVariable([c.numItems + 1, c.dim], 1 / Math.sqrt(c.dim), rng)
    }
    if (c.family === 'attention') Object.assign(this.#w, attentionVariables({ ...attentionShape(c), window: c.window }, rng))
    else this.#w.positionWeights = tf.tidy(() => tf.variable(tf.tensor1d(recencyPrior(c.window))))
    if (c.dense) {
      // identity per input: a fresh last-item student starts as pooling with the last item added
      this.#w.denseKernel = tf.tidy(() => tf.variable(tf.concat(Array.from({ length: denseInputs(c) }, () => tf.eye(c.dim)), 0)))
      this.#w.denseBias = constantVariable([c.dim], 0)
    }
    if (c.itemBias) this.#w.itemBias = constantVariable([c.numItems], 0)
  }

  get family (): StudentFamily {
    return studentFamily(this.config)
  }

  get numItems (): number {
    return this.config.numItems
  }

  get padId (): number {
    return this.config.numItems
  }

  /** Width of `userVectors` rows and `itemMatrix` rows. */
  get servingDim (): number {
    return this.config.dim + (this.config.itemBias ? 1 : 0)
  }

  weights (): Record<string, tf.Variable> {
    return { ...this.#w }
  }

  loadWeights (values: Record<string, tf.Tensor>): void {
    assignWeights(this.#w, values)
  }

  paramCount (): number {
    return countParams(this.#w)
  }

  /** Pool the window (or run the block at the latest position), the dense map, then one dot product per item. */
  flopsPerRequest (): number {
    const { window, dim, dense, numItems } = this.config
    const history = this.family === 'attention' ? latestAttentionMacs({ ...attentionShape(this.config), window }) : window * dim
    return 2 * (history + (dense ? denseInputs(this.config) * dim * dim : 0) + numItems * this.servingDim)
  }

  /** Item embeddings without the padding row [numItems, dim]. */
  itemEmbeddings (): tf.Tensor2D {
    return tf.slice(this.#w.items, [0, 0], [this.numItems, this.config.dim]) as tf.Tensor2D
  }

  /**
   * User vectors [N, dim] from int32 windows [N, window] built by `windows()`. With `gathered`
   * (a sparse training step's rows, see GatheredItems), item vectors come from its table. With
   * `training`, the attention family's block drops out at its rate (the other families have no
   * dropout and ignore it); serving never passes it.
   */
  encode (windows: tf.Tensor2D, gathered?: GatheredItems, training?: { dropout: number, nextSeed: () => number }): tf.Tensor2D {
    return tf.tidy(() => {
      const real = tf.cast(tf.notEqual(windows, this.padId), 'float32') as tf.Tensor2D
      const vectors = gathered === undefined ? lookupRows(this.#w.items, windows) : lookupRows(gathered.table, gathered.ids)
      if (this.family === 'attention') {
        const state = latestAttentionState(vectors as tf.Tensor3D, real, this.#w, attentionShape(this.config).heads, training)
        return this.config.dense ? tf.add(matMul2d(state, this.#w.denseKernel as unknown as tf.Tensor2D), this.#w.denseBias) : state
      }
      const weights = tf.mul(real, this.#w.positionWeights)
      const pooled = tf.sum(tf.mul(vectors, tf.expandDims(weights, 2)), 1) as tf.Tensor2D
      if (!this.config.dense) return pooled
      const inputs = denseInputs(this.config) === 2 ? tf.concat([pooled, lastItem(vectors, real)], 1) as tf.Tensor2D : pooled
      return tf.add(matMul2d(inputs, this.#w.denseKernel as unknown as tf.Tensor2D), this.#w.denseBias)
    })
  }

  /** Scores [N, numItems] for user vectors [N, dim]. */
  scores (users: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const dots = matMul2d(users, this.itemEmbeddings(), false, true)
      return this.config.itemBias ? addBias(dots, this.#w.itemBias) : dots
    })
  }

  /** Left-padded int32 windows [N, window] of the most recent items. */
  windows (histories: readonly Int32Array[]): tf.Tensor2D {
    const { window } = this.config
    return tf.tensor2d(padWindows(histories, window, this.padId), [histories.length, window], 'int32')
  }

  /** The weights as plain arrays, for serving and scoring (see StudentEncoder). */
  encoder (): StudentEncoder {
    const values = Object.fromEntries(Object.entries(this.#w).map(([name, v]) => [name, v.dataSync() as Float32Array]))
    return new StudentEncoder(this.config, values as unknown as StudentWeightValues)
  }

  userVectors (histories: readonly Int32Array[]): Float32Array[] {
    const encoder = this.encoder()
    return histories.map((h) => encoder.encode(h))
  }

  /** Row-major [numItems, servingDim]: embeddings, then the item bias when enabled. */
  itemMatrix (): Float32Array {
    return this.encoder().itemMatrix()
  }

  /** Through the serving path (StudentEncoder, then ItemMatrixScorer), so eval ranks as serving does. */
  scoreBatch (histories: readonly Int32Array[]): Float32Array[] {
    const encoder = this.encoder()
    const scorer = new ItemMatrixScorer(encoder.itemMatrix(), encoder.servingDim)
    try {
      const rows: Float32Array[] = []
      const width = encoder.servingDim
      const users = new Float32Array(Math.min(SCORE_CHUNK, histories.length) * width)
      for (let start = 0; start < histories.length; start += SCORE_CHUNK) {
        const chunk = histories.slice(start, start + SCORE_CHUNK)
        chunk.forEach((h, r) => encoder.encode(h, users, r * width))
        rows.push(...scorer.scoreAll(users, chunk.length))
      }
      return rows
    } finally {
      scorer.dispose()
    }
  }

  dispose (): void {
    for (const v of Object.values(this.#w)) v.dispose()
  }
}

/** The newest position's vectors [N, dim], zeros where the window is all padding. */
function lastItem (vectors: tf.Tensor, real: tf.Tensor): tf.Tensor2D {
  const [n, window, dim] = vectors.shape
  const last = tf.reshape(tf.slice(vectors, [0, window - 1, 0], [n, 1, dim]), [n, dim])
  return tf.mul(last, tf.slice(real, [0, window - 1], [n, 1])) as tf.Tensor2D
}

/** Initial position weights: recent items count more (1 for the newest, halving every 5 back). */
function recencyPrior (window: number): Float32Array {
  const w = new Float32Array(window)
  for (let j = 0; j < window; j++) w[j] = Math.pow(0.5, (window - 1 - j) / 5) / Math.sqrt(window)
  return w
}
