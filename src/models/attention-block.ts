import * as tf from '@tensorflow/tfjs'
import type { Random } from '../data/random.js'
import { constantVariable, glorotVariable } from '../tf/init.js'
import { dense, dropout, layerNorm } from '../tf/layers.js'
import { ModelError } from './sequence-model.js'

export interface AttentionBlockShape {
  dim: number
  heads: number
  ffnDim: number
}

export interface BlockRun {
  /** Additive mask [B, 1, L, L]: 0 where a query may attend to a key, a large negative elsewhere. */
  attentionMask: tf.Tensor
  /** [B, L, 1]: 1 on real items, 0 on left padding. */
  timelineMask: tf.Tensor
  dropoutRate: number
  /** Fresh seed per dropout call; absent at inference (no dropout). */
  nextSeed?: () => number
}

/**
 * One pre-norm transformer block as used by SASRec: x + MHA(LN(x)), then x + FFN(LN(x)),
 * with ReLU in the point-wise feed-forward and padding rows kept at zero.
 */
export class AttentionBlock {
  readonly #shape: AttentionBlockShape
  readonly #w: Record<string, tf.Variable>

  constructor (shape: AttentionBlockShape, rng: Random) {
    const { dim, ffnDim } = shape
    if (dim % shape.heads !== 0) throw new ModelError('MODEL_CONFIG_INVALID', `dim ${dim} is not divisible by heads ${shape.heads}`)
    this.#shape = shape
    this.#w = {
      ln1Gamma: constantVariable([dim], 1),
      ln1Beta: constantVariable([dim], 0),
      qkvKernel: glorotVariable([dim, 3 * dim], rng),
      qkvBias: constantVariable([3 * dim], 0),
      outKernel: glorotVariable([dim, dim], rng),
      outBias: constantVariable([dim], 0),
      ln2Gamma: constantVariable([dim], 1),
      ln2Beta: constantVariable([dim], 0),
      ffn1Kernel: glorotVariable([dim, ffnDim], rng),
      ffn1Bias: constantVariable([ffnDim], 0),
      ffn2Kernel: glorotVariable([ffnDim, dim], rng),
      ffn2Bias: constantVariable([dim], 0)
    }
  }

  get weights (): Record<string, tf.Variable> {
    return this.#w
  }

  apply (x: tf.Tensor3D, run: BlockRun): tf.Tensor3D {
    const w = this.#w
    return tf.tidy(() => {
      const drop = (t: tf.Tensor): tf.Tensor => run.nextSeed ? dropout(t, run.dropoutRate, run.nextSeed()) : t
      const attended = this.#attention(layerNorm(x, w.ln1Gamma, w.ln1Beta) as tf.Tensor3D, run, drop)
      const h = tf.add(x, drop(attended))
      const normed = layerNorm(h, w.ln2Gamma, w.ln2Beta)
      const ffn = dense(tf.relu(dense(normed, w.ffn1Kernel, w.ffn1Bias)), w.ffn2Kernel, w.ffn2Bias)
      return tf.mul(tf.add(h, drop(ffn)), run.timelineMask) as tf.Tensor3D
    })
  }

  /** Multi-head scaled dot-product attention with one fused Q/K/V projection. */
  #attention (x: tf.Tensor3D, run: BlockRun, drop: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
    const { dim, heads } = this.#shape
    const [batch, len] = x.shape
    const headDim = dim / heads
    const qkv = dense(x, this.#w.qkvKernel, this.#w.qkvBias)
    // rank-5 transposes are very slow on wasm, so split first and transpose each [B, L, H, Dh]
    const [q, k, v] = tf.split(qkv, 3, 2).map(t =>
      tf.transpose(tf.reshape(t, [batch, len, heads, headDim]), [0, 2, 1, 3])) as tf.Tensor4D[]
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim)), run.attentionMask)
    const probs = drop(tf.softmax(scores)) as tf.Tensor4D
    const context = tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3])
    return dense(tf.reshape(context, [batch, len, dim]), this.#w.outKernel, this.#w.outBias)
  }

  /** Multiply-adds for one sequence of length `len`. */
  static macs (shape: AttentionBlockShape, len: number): number {
    const { dim, ffnDim } = shape
    return len * (3 * dim * dim + dim * dim + 2 * dim * ffnDim) + 2 * len * len * dim
  }
}
