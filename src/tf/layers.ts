import * as tf from '@tensorflow/tfjs'
import { matMul2d } from './matmul.js'

/** `x @ w + b` over the last axis of an input of any rank. */
export function dense (x: tf.Tensor, w: tf.Tensor2D | tf.Variable, b?: tf.Tensor | tf.Variable): tf.Tensor {
  return tf.tidy(() => {
    const inner = x.shape[x.shape.length - 1] as number
    const flat = x.rank === 2 ? x as tf.Tensor2D : tf.reshape(x, [-1, inner]) as tf.Tensor2D
    let y: tf.Tensor = matMul2d(flat, w as tf.Tensor2D)
    if (b) y = tf.add(y, b)
    return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), w.shape[1] as number])
  })
}

/** Layer normalisation over the last axis (epsilon 1e-6 as in SASRec). */
export function layerNorm (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const axis = x.rank - 1
    const { mean, variance } = tf.moments(x, axis, true)
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-6))), gamma), beta)
  })
}

/**
 * Inverted dropout with an explicit seed. The caller draws a fresh seed per call from its own
 * seeded stream, which keeps training reproducible without reusing one mask.
 */
export function dropout (x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  if (rate <= 0) return x
  return tf.dropout(x, rate, undefined, seed)
}
