import type { AttentionWeightName, LatestAttentionShape } from './latest-attention.js'

const EPSILON = 1e-6

/**
 * latestAttentionState (latest-attention.ts) in plain JavaScript for one history: keys and values
 * for each of the last `window` items, one query, one feed-forward: O(window x dim^2) multiply-adds
 * in float64 scratch buffers owned by the instance (so one call at a time, as serving runs them).
 */
export class LatestAttentionEncoder {
  readonly #s: LatestAttentionShape
  readonly #w: Record<AttentionWeightName, Float32Array>
  readonly #items: Float32Array
  readonly #x: Float64Array
  readonly #keys: Float64Array
  readonly #values: Float64Array
  readonly #normed: Float64Array
  readonly #query: Float64Array
  readonly #context: Float64Array
  readonly #h: Float64Array
  readonly #hidden: Float64Array
  readonly #scores: Float64Array

  constructor (shape: LatestAttentionShape, items: Float32Array, weights: Record<AttentionWeightName, Float32Array>) {
    const { dim, window, ffnDim } = shape
    this.#s = shape
    this.#w = weights
    this.#items = items
    this.#x = new Float64Array(window * dim)
    this.#keys = new Float64Array(window * dim)
    this.#values = new Float64Array(window * dim)
    this.#normed = new Float64Array(dim)
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
      layerNorm(h, 0, dim, w.finalGamma, w.finalBeta, out)
      return
    }
    const x = this.#x
    const normed = this.#normed
    const scale = Math.sqrt(dim)
    for (let j = 0; j < take; j++) {
      // right-aligned as the padded windows: the newest item sits at position window - 1
      const position = (window - take + j) * dim
      const row = history[history.length - take + j] * dim
      for (let d = 0; d < dim; d++) x[j * dim + d] = this.#items[row + d] * scale + w.positions[position + d]
      layerNorm(x, j * dim, dim, w.ln1Gamma, w.ln1Beta, normed)
      affine(normed, w.keyKernel, w.keyBias, this.#keys, j * dim)
      affine(normed, w.valueKernel, w.valueBias, this.#values, j * dim)
    }
    // normed holds LN1 of the newest item
    affine(normed, w.queryKernel, w.queryBias, this.#query, 0)
    const headDim = dim / heads
    const inv = 1 / Math.sqrt(headDim)
    const scores = this.#scores
    const context = this.#context.fill(0)
    for (let head = 0; head < heads; head++) {
      const from = head * headDim
      let max = -Infinity
      for (let j = 0; j < take; j++) {
        let dot = 0
        for (let e = 0; e < headDim; e++) dot += this.#query[from + e] * this.#keys[j * dim + from + e]
        scores[j] = dot * inv
        if (scores[j] > max) max = scores[j]
      }
      let sum = 0
      for (let j = 0; j < take; j++) { scores[j] = Math.exp(scores[j] - max); sum += scores[j] }
      for (let j = 0; j < take; j++) {
        const p = scores[j] / sum
        for (let e = 0; e < headDim; e++) context[from + e] += p * this.#values[j * dim + from + e]
      }
    }
    affine(context, w.outKernel, w.outBias, h, 0)
    const lastX = (take - 1) * dim
    for (let d = 0; d < dim; d++) h[d] += x[lastX + d]
    layerNorm(h, 0, dim, w.ln2Gamma, w.ln2Beta, normed)
    const hidden = this.#hidden
    affine(normed, w.ffn1Kernel, w.ffn1Bias, hidden, 0)
    for (let f = 0; f < ffnDim; f++) if (hidden[f] < 0) hidden[f] = 0
    // h + FFN, then the final norm
    for (let d = 0; d < dim; d++) {
      let sum = w.ffn2Bias[d]
      for (let f = 0; f < ffnDim; f++) sum += hidden[f] * w.ffn2Kernel[f * dim + d]
      this.#context[d] = h[d] + sum
    }
    layerNorm(this.#context, 0, dim, w.finalGamma, w.finalBeta, out)
  }
}

/** out[offset + o] = bias[o] + Σ_i input[i] · kernel[i, o] (kernel row-major [input.length, bias.length]). */
function affine (input: Float64Array, kernel: Float32Array, bias: Float32Array, out: Float64Array, offset: number): void {
  const width = bias.length
  for (let o = 0; o < width; o++) {
    let sum = bias[o]
    for (let i = 0; i < input.length; i++) sum += input[i] * kernel[i * width + o]
    out[offset + o] = sum
  }
}

/** Layer norm of values[offset, offset + dim) (population variance, epsilon 1e-6, as tf/layers.ts) into out[0, dim). */
function layerNorm (values: Float64Array, offset: number, dim: number, gamma: Float32Array, beta: Float32Array, out: Float64Array): void {
  let mean = 0
  for (let d = 0; d < dim; d++) mean += values[offset + d]
  mean /= dim
  let variance = 0
  for (let d = 0; d < dim; d++) variance += (values[offset + d] - mean) ** 2
  const inv = 1 / Math.sqrt(variance / dim + EPSILON)
  for (let d = 0; d < dim; d++) out[d] = (values[offset + d] - mean) * inv * gamma[d] + beta[d]
}
