import * as tf from '@tensorflow/tfjs'
import { Random } from '../data/random.js'
import { lookupRows } from '../tf/embedding.js'
import { matMul2d } from '../tf/matmul.js'
import { constantVariable, normalVariable } from '../tf/init.js'
import { dropout, layerNorm } from '../tf/layers.js'
import { AttentionBlock } from './attention-block.js'
import { assignWeights, countParams, ModelError, requirePositiveInt, type GatheredItems, type SequenceModel } from './sequence-model.js'
import { padWindows, windowLength } from './windows.js'

export interface TeacherConfig {
  numItems: number
  /** Width of item/position embeddings and of every block. */
  dim: number
  blocks: number
  heads: number
  /** Inner width of the point-wise feed-forward layer. */
  ffnDim: number
  /** Longest history the model reads; older items are dropped. */
  maxLen: number
  dropout: number
  seed: number
}

/**
 * On ML-1M: ~0.68M parameters (0.47M in the item table, 0.2M in the blocks), over 10x the default
 * student. maxLen 50 rather than SASRec's 200: on wasm, attention (batched matMul, ~1 GFLOPS)
 * makes a 200-item window ~3x slower per training position, past a 30-minute budget.
 */
export const TEACHER_DEFAULTS: Omit<TeacherConfig, 'numItems'> = {
  dim: 128, blocks: 2, heads: 2, ffnDim: 128, maxLen: 50, dropout: 0.2, seed: 42
}

const NEG = -1e9
const SCORE_CHUNK = 256

/**
 * SASRec-style teacher: item + learned position embeddings, causal multi-head self-attention
 * blocks, a final layer norm, and the item table reused as the output layer.
 * Item index `numItems` is the padding row.
 */
export class Teacher implements SequenceModel<TeacherConfig> {
  readonly kind = 'teacher'
  readonly name = 'teacher'
  readonly config: Readonly<TeacherConfig>
  readonly #items: tf.Variable
  readonly #positions: tf.Variable
  readonly #blocks: AttentionBlock[]
  readonly #finalGamma: tf.Variable
  readonly #finalBeta: tf.Variable

  /** False for a replica without its item table (a sparse gradient thread: its rows come gathered each step). */
  readonly hasItemTable: boolean

  /**
   * `itemTable: false` leaves the item table out (a one-row placeholder): a gradient thread of a
   * sparse run reads the step's rows from shared memory, so a replica per thread need not hold
   * numItems x dim floats (512 MB at 1,000,000 items and dim 128). Such a teacher only runs
   * `hidden` with gathered rows; anything that reads the table throws.
   */
  constructor (config: Partial<TeacherConfig> & { numItems: number }, options: { itemTable?: boolean } = {}) {
    const c = { ...TEACHER_DEFAULTS, ...config }
    for (const key of ['numItems', 'dim', 'blocks', 'heads', 'ffnDim', 'maxLen'] as const) requirePositiveInt(key, c[key])
    this.config = Object.freeze(c)
    const rng = new Random(c.seed)
    const std = 1 / Math.sqrt(c.dim)
    this.hasItemTable = options.itemTable ?? true
    this.#items = this.hasItemTable ? normalVariable([c.numItems + 1, c.dim], std, rng) : tf.variable(tf.zeros([1, c.dim]))
    this.#positions = normalVariable([c.maxLen, c.dim], std, rng)
    this.#blocks = Array.from({ length: c.blocks }, () => new AttentionBlock(c, rng))
    this.#finalGamma = constantVariable([c.dim], 1)
    this.#finalBeta = constantVariable([c.dim], 0)
  }

  get numItems (): number {
    return this.config.numItems
  }

  get padId (): number {
    return this.config.numItems
  }

  weights (): Record<string, tf.Variable> {
    const all: Record<string, tf.Variable> = {
      items: this.#items,
      positions: this.#positions,
      finalGamma: this.#finalGamma,
      finalBeta: this.#finalBeta
    }
    this.#blocks.forEach((block, i) => {
      for (const [name, v] of Object.entries(block.weights)) all[`block${i}.${name}`] = v
    })
    return all
  }

  loadWeights (values: Record<string, tf.Tensor>): void {
    assignWeights(this.weights(), values)
  }

  paramCount (): number {
    return countParams(this.weights())
  }

  /** A full-length history through every block, then one dot product per item. */
  flopsPerRequest (): number {
    const { maxLen, blocks, dim, numItems } = this.config
    return 2 * (blocks * AttentionBlock.macs(this.config, maxLen) + numItems * dim)
  }

  #needsItemTable (what: string): void {
    if (!this.hasItemTable) throw new ModelError('MODEL_CONFIG_INVALID', `${what} needs the item table, and this teacher replica was built without it`)
  }

  /** The output item matrix [numItems, dim] (the shared table without its padding row). */
  itemEmbeddings (): tf.Tensor2D {
    this.#needsItemTable('itemEmbeddings')
    return tf.slice(this.#items, [0, 0], [this.config.numItems, this.config.dim]) as tf.Tensor2D
  }

  /**
   * Hidden state [B, L, dim] at every position of left-padded int32 windows [B, L] (L <= maxLen).
   * Causal and prefix-consistent: the state after item t depends only on the items up to t
   * (positions are numbered from the first real item), so one pass over a sequence yields the
   * state after each of its prefixes. With `nextSeed`, dropout is on (training). With `gathered`,
   * item vectors come from a step's gathered rows instead of the whole table.
   */
  hidden (ids: tf.Tensor2D, nextSeed?: () => number, gathered?: GatheredItems): tf.Tensor3D {
    const { dim, maxLen, dropout: rate } = this.config
    const [batch, len] = ids.shape
    if (len > maxLen) throw new ModelError('MODEL_CONFIG_INVALID', `window length ${len} exceeds maxLen ${maxLen}`)
    return tf.tidy(() => {
      const real = tf.cast(tf.notEqual(ids, this.padId), 'float32')
      const timelineMask = tf.expandDims(real, 2)
      const causal = tf.linalg.bandPart(tf.ones([len, len]), -1, 0)
      const allowed = tf.mul(causal, tf.reshape(real, [batch, 1, 1, len]))
      const attentionMask = tf.mul(tf.sub(1, allowed), NEG)
      // positions count from the first real item, so a prefix's states do not depend on what follows
      const positionIds = tf.cast(tf.relu(tf.sub(tf.cumsum(real, 1), 1)), 'int32')
      if (gathered === undefined) this.#needsItemTable('hidden without gathered rows')
      const itemVectors = gathered === undefined ? lookupRows(this.#items, ids) : lookupRows(gathered.table, gathered.ids)
      let x = tf.add(tf.mul(itemVectors, Math.sqrt(dim)), lookupRows(this.#positions, positionIds))
      if (nextSeed) x = dropout(x, rate, nextSeed())
      x = tf.mul(x, timelineMask)
      const run = { attentionMask, timelineMask, dropoutRate: rate, nextSeed }
      for (const block of this.#blocks) x = block.apply(x as tf.Tensor3D, run)
      return layerNorm(x, this.#finalGamma, this.#finalBeta) as tf.Tensor3D
    })
  }

  /** The state after each history's last item [B, dim], dropout off. */
  finalStates (histories: readonly Int32Array[]): tf.Tensor2D {
    const len = windowLength(histories, this.config.maxLen)
    return tf.tidy(() => {
      const ids = tf.tensor2d(padWindows(histories, len, this.padId), [histories.length, len], 'int32')
      const h = this.hidden(ids)
      return tf.reshape(tf.slice(h, [0, len - 1, 0], [-1, 1, -1]), [histories.length, this.config.dim]) as tf.Tensor2D
    })
  }

  /** Logits over every item [B, numItems] after each history. */
  logits (histories: readonly Int32Array[]): tf.Tensor2D {
    return tf.tidy(() => matMul2d(this.finalStates(histories), this.itemEmbeddings(), false, true))
  }

  scoreBatch (histories: readonly Int32Array[]): Float32Array[] {
    const rows: Float32Array[] = []
    for (let start = 0; start < histories.length; start += SCORE_CHUNK) {
      const logits = this.logits(histories.slice(start, start + SCORE_CHUNK))
      const flat = logits.dataSync() as Float32Array
      logits.dispose()
      for (let r = 0; r < flat.length / this.numItems; r++) {
        rows.push(flat.slice(r * this.numItems, (r + 1) * this.numItems))
      }
    }
    return rows
  }

  dispose (): void {
    for (const v of Object.values(this.weights())) v.dispose()
  }
}
