import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../../src/tf/backend.js'
import { addBias } from '../../src/tf/bias.js'

describe('addBias', () => {
  before(async () => { await selectBackend() })

  it('adds the row to every row, and its gradient is the column sums of the incoming one', () => {
    const before = tf.memory().numTensors
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]])
    const b = tf.tensor1d([10, 20, 30])
    const sum = addBias(x, b)
    assert.deepEqual(Array.from(sum.dataSync()), [11, 22, 33, 14, 25, 36])
    // loss = Σ w ⊙ (x + b): dL/dx = w, dL/db = column sums of w
    const w = tf.tensor2d([[1, 2, 3], [0.5, -1, 4]])
    const [gx, gb] = tf.grads((xx: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(addBias(xx as tf.Tensor2D, bb as tf.Tensor1D), w)))([x, b])
    assert.deepEqual(Array.from(gx.dataSync()), [1, 2, 3, 0.5, -1, 4])
    assert.deepEqual(Array.from(gb.dataSync()), [1.5, 1, 7])
    tf.dispose([x, b, sum, w, gx, gb])
    assert.equal(tf.memory().numTensors, before)
  })
})
