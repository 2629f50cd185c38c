import type { AttentionWeightName, LatestAttentionShape } from './latest-attention-shape.js'

const EPSILON = 1e-6

/**
 * latestAttentionState (latest-attention.ts) in plain JavaScript for one history: a layer norm and
 * two dot products per head for each of the last `window` items, then one query, one value and
 * output map and one feed-forward: O(window x heads x dim + dim^2) multiply-adds, in float64
 * scratch buffers owned by the instance (so one call at a time, as serving runs them).
 */
export class LatestAttentionEncoder {
  readonly #s: LatestAttentionShape
  readonly #w: Record<AttentionWeightName, Float32Array>
  readonly #items: Float32Array
  readonly #x: Float64Array
  readonly #reader: Float64Array
  readonly #mixed: Float64Array
  readonly #normed: Float64Array
  readonly #query: Float64Array
  readonly #context: Float64Array
  readonly #h: Float64Array
  readonly #hidden: Float64Array
  readonly #scores: Float64Array

  constructor (shape: LatestAttentionShape, items: Float32Array, weights: Record<AttentionWeightName, Float32Array>) {
    const { dim, window, ffnDim } = shape
    this.#s = shape
    // a literal of fixed shape: the caller's object (built by name, 20+ keys) may be a slow dictionary
    this.#w = {
      positions: weights.positions,
      ln1Gamma: weights.ln1Gamma,
      ln1Beta: weights.ln1Beta,
      queryKernel: weights.queryKernel,
      queryBias: weights.queryBias,
      keyKernel: weights.keyKernel,
      keyBias: weights.keyBias,
      valueKernel: weights.valueKernel,
      valueBias: weights.valueBias,
      outKernel: weights.outKernel,
      outBias: weights.outBias,
      ln2Gamma: weights.ln2Gamma,
      ln2Beta: weights.ln2Beta,
      ffn1Kernel: weights.ffn1Kernel,
      ffn1Bias: weights.ffn1Bias,
      ffn2Kernel: weights.ffn2Kernel,
      ffn2Bias: weights.ffn2Bias,
      finalGamma: weights.finalGamma,
      finalBeta: weights.finalBeta
    }
    this.#items = items
    this.#x = new Float64Array(window * dim)
    this.#reader = new Float64Array(dim)
    this.#mixed = new Float64Array(dim)
    // LN1 of every position; later, LN2 of the residual in its first dim
    this.#normed = new Float64Array(window * dim)
    this.#query = new Float64Array(dim)
    this.#context = new Float64Array(dim)
    this.#h = new Float64Array(dim)
    this.#hidden = new Float64Array(ffnDim)
    this.#scores = new Float64Array(window)
  }

  /** The block's output after `history`'s newest item (its last `window` items read), into `out` [dim]. */
  state (history: Int32Array, out: Float64Array): void {
    const { dim, window, heads, ffnDim } = this.#s
    const w = this.#w
    const take = Math.min(window, history.length)
    const h = this.#h
    if (take === 0) {
      // the teacher's timeline mask: an empty window's state is 0 before the final norm
      h.fill(0)
      layerNorm(h, 0, dim, w.finalGamma, w.finalBeta, out, 0)
      return
    }
    const x = this.#x
    const normed = this.#normed
    const items = this.#items
    const positions = w.positions
    const scale = Math.sqrt(dim)
    for (let j = 0; j < take; j++) {
      // right-aligned as the padded windows: the newest item sits at position window - 1
      const position = (window - take + j) * dim
      const row = history[history.length - take + j] * dim
      for (let d = 0; d < dim; d++) x[j * dim + d] = items[row + d] * scale + positions[position + d]
      layerNorm(x, j * dim, dim, w.ln1Gamma, w.ln1Beta, normed, j * dim)
    }
    const query = this.#query
    affine(normed, (take - 1) * dim, dim, w.queryKernel, w.queryBias, query, 0)
    // Keys and values are never formed: q_h · k_j = (Wk_h q_h) · LN1(x_j) + q_h · bk_h (the last term is
    // the same for every j, so the softmax drops it), and Σ_j p_j v_j = Wv_h (Σ_j p_j LN1(x_j)) + bv_h
    // (the p_j sum to 1): per position dim multiply-adds per head instead of 2 dim².
    const headDim = dim / heads
    const inv = 1 / Math.sqrt(headDim)
    const scores = this.#scores
    const reader = this.#reader
    const mixed = this.#mixed
    const context = this.#context
    const keyKernel = w.keyKernel
    const valueKernel = w.valueKernel
    for (let head = 0; head < heads; head++) {
      const from = head * headDim
      for (let i = 0; i < dim; i++) {
        let sum = 0
        for (let e = 0; e < headDim; e++) sum += keyKernel[i * dim + from + e] * query[from + e]
        reader[i] = sum * inv
      }
      let max = -Infinity
      for (let j = 0; j < take; j++) {
        let dot = 0
        const at = j * dim
        for (let i = 0; i < dim; i++) dot += reader[i] * normed[at + i]
        scores[j] = dot
        if (dot > max) max = dot
      }
      let sum = 0
      for (let j = 0; j < take; j++) { scores[j] = Math.exp(scores[j] - max); sum += scores[j] }
      mixed.fill(0)
      for (let j = 0; j < take; j++) {
        const p = scores[j] / sum
        const at = j * dim
        for (let i = 0; i < dim; i++) mixed[i] += p * normed[at + i]
      }
      for (let e = 0; e < headDim; e++) {
        let v = w.valueBias[from + e]
        for (let i = 0; i < dim; i++) v += mixed[i] * valueKernel[i * dim + from + e]
        context[from + e] = v
      }
    }
    affine(context, 0, dim, w.outKernel, w.outBias, h, 0)
    const lastX = (take - 1) * dim
    for (let d = 0; d < dim; d++) h[d] += x[lastX + d]
    layerNorm(h, 0, dim, w.ln2Gamma, w.ln2Beta, normed, 0)
    const hidden = this.#hidden
    affine(normed, 0, dim, w.ffn1Kernel, w.ffn1Bias, hidden, 0)
    for (let f = 0; f < ffnDim; f++) if (hidden[f] < 0) hidden[f] = 0
    // h + FFN (context is free again), then the final norm
    affine(hidden, 0, ffnDim, w.ffn2Kernel, w.ffn2Bias, context, 0)
    for (let d = 0; d < dim; d++) context[d] += h[d]
    layerNorm(context, 0, dim, w.finalGamma, w.finalBeta, out, 0)
  }
}

/** out[offset + o] = bias[o] + Σ_i input[from + i] · kernel[i, o] (kernel row-major [inputs, bias.length]). */
function affine (input: Float64Array, from: number, inputs: number, kernel: Float32Array, bias: Float32Array, out: Float64Array, offset: number): void {
  const width = bias.length
  for (let o = 0; o < width; o++) out[offset + o] = bias[o]
  // row by row: the kernel is read in order
  for (let i = 0; i < inputs; i++) {
    const v = input[from + i]
    const row = i * width
    for (let o = 0; o < width; o++) out[offset + o] += v * kernel[row + o]
  }
}

/** Layer norm of values[offset, offset + dim) (population variance, epsilon 1e-6, as tf/layers.ts) into out[at, at + dim). */
function layerNorm (values: Float64Array, offset: number, dim: number, gamma: Float32Array, beta: Float32Array, out: Float64Array, at: number): void {
  let mean = 0
  for (let d = 0; d < dim; d++) mean += values[offset + d]
  mean /= dim
  let variance = 0
  for (let d = 0; d < dim; d++) variance += (values[offset + d] - mean) ** 2
  const inv = 1 / Math.sqrt(variance / dim + EPSILON)
  for (let d = 0; d < dim; d++) out[at + d] = (values[offset + d] - mean) * inv * gamma[d] + beta[d]
}
