import * as tf from '@tensorflow/tfjs'
import type { Random } from '../data/random.js'
import { constantVariable, glorotVariable, normalVariable } from '../tf/init.js'
import { dense, dropout, layerNorm } from '../tf/layers.js'
import { ATTENTION_WEIGHT_NAMES, attentionWeightShapes, type AttentionWeightName, type LatestAttentionShape } from './latest-attention-shape.js'

/** Fresh block weights as the teacher initialises its own: positions N(0, 1/dim), Glorot kernels, zero biases, unit gains. */
export function attentionVariables (shape: LatestAttentionShape, rng: Random): Record<AttentionWeightName, tf.Variable> {
  const shapes = attentionWeightShapes(shape)
  const make = (name: AttentionWeightName): tf.Variable => {
    const s = shapes[name]
    if (name === 'positions') return normalVariable(s, 1 / Math.sqrt(shape.dim), rng)
    if (name.endsWith('Kernel')) return glorotVariable(s as [number, number], rng)
    return constantVariable(s, name.endsWith('Gamma') ? 1 : 0)
  }
  return Object.fromEntries(ATTENTION_WEIGHT_NAMES.map((name) => [name, make(name)])) as Record<AttentionWeightName, tf.Variable>
}

/** Added to the attention scores of padding keys: exp of it is 0 in float32. */
const NEG = -1e9

/**
 * The block's output at the latest (rightmost) position of left-padded windows, [N, dim]:
 *   x_j = sqrt(dim) E[h_j] + P[j]                         (P: positions, column j of the window)
 *   q = LN1(x_last) Wq, k_j = LN1(x_j) Wk, v_j = LN1(x_j) Wv (per head, scaled by 1/sqrt(dim/heads))
 *   h = x_last + Wo · Σ_j softmax_j(q · k_j) v_j           (padding keys excluded)
 *   y = h + FFN(LN2(h)), out = LNf(y)                      (out = LNf(0) for an empty window)
 * With one block, the causal block's state at the last position depends on the other positions
 * only through their keys and values, so this equals the full causal pass read at the end, at
 * O(window x dim^2) instead of also running queries and feed-forwards at every position (serving
 * goes further, see LatestAttentionEncoder).
 * `vectors` [N, window, dim] are the windows' item rows, `real` [N, window] 1 on items, 0 on padding.
 * With `training`, dropout at its rate as the teacher's block: on the input rows, the attention
 * probabilities, and the attention and feed-forward outputs (a fresh seed each).
 */
export function latestAttentionState (vectors: tf.Tensor3D, real: tf.Tensor2D, w: Record<string, tf.Tensor>, heads: number,
  training?: { dropout: number, nextSeed: () => number }): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, window, dim] = vectors.shape
    const headDim = dim / heads
    const drop = (t: tf.Tensor): tf.Tensor => training === undefined ? t : dropout(t, training.dropout, training.nextSeed())
    const x = drop(tf.mul(tf.add(tf.mul(vectors, Math.sqrt(dim)), w.positions), tf.expandDims(real, 2)))
    const normed = layerNorm(x, w.ln1Gamma, w.ln1Beta)
    const last = (t: tf.Tensor): tf.Tensor2D => tf.reshape(tf.slice(t, [0, window - 1, 0], [n, 1, dim]), [n, dim])
    const byHead = (t: tf.Tensor): tf.Tensor4D => tf.transpose(tf.reshape(t, [n, window, heads, headDim]), [0, 2, 1, 3])
    const q = tf.reshape(dense(last(normed), w.queryKernel as tf.Tensor2D, w.queryBias), [n, heads, 1, headDim])
    const k = byHead(dense(normed, w.keyKernel as tf.Tensor2D, w.keyBias))
    const v = byHead(dense(normed, w.valueKernel as tf.Tensor2D, w.valueBias))
    const mask = tf.reshape(tf.mul(tf.sub(1, real), NEG), [n, 1, 1, window])
    const probs = drop(tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim)), mask))) as tf.Tensor4D
    const context = tf.reshape(tf.matMul(probs, v), [n, dim])
    const h = tf.add(last(x), drop(dense(context, w.outKernel as tf.Tensor2D, w.outBias)))
    const ffn = dense(tf.relu(dense(layerNorm(h, w.ln2Gamma, w.ln2Beta), w.ffn1Kernel as tf.Tensor2D, w.ffn1Bias)), w.ffn2Kernel as tf.Tensor2D, w.ffn2Bias)
    const y = tf.mul(tf.add(h, drop(ffn)), tf.slice(real, [0, window - 1], [n, 1]))
    return layerNorm(y, w.finalGamma, w.finalBeta) as tf.Tensor2D
  })
}

/**
 * Multiply-adds of the serving encoder (LatestAttentionEncoder) for one full window: per position
 * the input row and, per head, a score and a mix of dim each (layer norms not counted); then the
 * query, key-reader, value and output maps (dim² each) and the feed-forward.
 */
export function latestAttentionMacs ({ dim, window, heads, ffnDim }: LatestAttentionShape): number {
  return window * (2 * heads + 1) * dim + 4 * dim * dim + 2 * dim * ffnDim
}
