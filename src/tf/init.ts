import * as tf from '@tensorflow/tfjs'
import type { Random } from '../data/random.js'

/**
 * Seeded weight initialisers. Values come from the caller's `Random`, so a model built twice
 * from the same seed has bit-identical weights on any backend.
 * TF.js variable names are global to the process, so variables keep TF's unique names and
 * models expose their own stable names through `weights()`.
 */
export function normalVariable (shape: number[], std: number, rng: Random): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1)
  const values = new Float32Array(size)
  for (let i = 0; i < size; i++) values[i] = rng.normal() * std
  return tf.tidy(() => tf.variable(tf.tensor(values, shape)))
}

/** Glorot (Xavier) uniform for a [fanIn, fanOut] matrix. */
export function glorotVariable (shape: [number, number], rng: Random): tf.Variable {
  const limit = Math.sqrt(6 / (shape[0] + shape[1]))
  const values = new Float32Array(shape[0] * shape[1])
  for (let i = 0; i < values.length; i++) values[i] = (rng.next() * 2 - 1) * limit
  return tf.tidy(() => tf.variable(tf.tensor(values, shape)))
}

export function constantVariable (shape: number[], value: number): tf.Variable {
  return tf.tidy(() => tf.variable(tf.fill(shape, value)))
}
