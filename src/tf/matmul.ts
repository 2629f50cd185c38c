import * as tf from '@tensorflow/tfjs'

/**
 * 2-D matrix product that never asks the backend for a transposed operand.
 * On wasm, `tf.matMul` with transposeA/transposeB (which its own gradient always uses) runs about
 * 10x slower than the plain product; an explicit rank-2 transpose costs far less than the
 * difference. Forward and backward here both go through plain products of materialised transposes.
 */
export function matMul2d (a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D {
  return tf.tidy(() => plainProduct(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b))
}

const plainProduct = tf.customGrad(((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([a, b])
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[]
      const g = dy as tf.Tensor2D
      return [tf.matMul(g, tf.transpose(sb)), tf.matMul(tf.transpose(sa), g)]
    }
  }
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D
