import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { chunkedCrossEntropy } from '../../../src/distill/teacher/chunked-cross-entropy.js'
import { crossEntropy } from '../../../src/distill/training/losses.js'
import { matMul2d } from '../../../src/tf/matmul.js'
import { selectBackend } from '../../../src/tf/backend.js'

/** Loss and gradients with respect to hidden and items, read back and released. */
function lossAndGrads (loss: (h: tf.Tensor2D, e: tf.Tensor2D) => tf.Scalar, h: tf.Tensor2D, e: tf.Tensor2D): { value: number, dh: Float32Array, de: Float32Array } {
  return tf.tidy(() => {
    const f = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a as tf.Tensor2D, b as tf.Tensor2D))
    const [dh, de] = f([h, e])
    return { value: loss(h, e).dataSync()[0], dh: dh.dataSync() as Float32Array, de: de.dataSync() as Float32Array }
  })
}

function assertClose (a: ArrayLike<number>, b: ArrayLike<number>, eps: number, what: string): void {
  assert.equal(a.length, b.length)
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= eps * (1 + Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`)
}

describe('chunkedCrossEntropy', () => {
  before(async () => { await selectBackend() })

  it('equals the unchunked full-softmax cross-entropy, value and gradients, whatever the chunk size', () => {
    const h = tf.randomNormal([23, 6], 0, 1, 'float32', 1) as tf.Tensor2D
    const e = tf.randomNormal([41, 6], 0, 1, 'float32', 2) as tf.Tensor2D
    const targets = tf.tensor1d(Array.from({ length: 23 }, (_, i) => (i * 7) % 41), 'int32')
    const tensors = tf.memory().numTensors
    const full = lossAndGrads((a, b) => crossEntropy(matMul2d(a, b, false, true), targets), h, e)
    for (const chunk of [1, 5, 23, 100]) {
      const chunked = lossAndGrads((a, b) => chunkedCrossEntropy(a, b, targets, chunk), h, e)
      assert.ok(Math.abs(chunked.value - full.value) < 1e-5 * full.value, `chunk ${chunk}: ${chunked.value} vs ${full.value}`)
      assertClose(chunked.dh, full.dh, 1e-4, `chunk ${chunk} d/dhidden`)
      assertClose(chunked.de, full.de, 1e-4, `chunk ${chunk} d/ditems`)
    }
    assert.equal(tf.memory().numTensors, tensors, 'every intermediate released')
    assert.throws(() => chunkedCrossEntropy(h, e, targets, 0), RangeError)
    tf.dispose([h, e, targets])
  })
})
