import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../../src/tf/backend.js'
import { AdjustableAdam } from '../../src/tf/adam.js'

describe('AdjustableAdam', () => {
  before(async () => { await selectBackend() })

  it('takes steps of the learning rate set before each one', () => {
    const before = tf.memory().numTensors
    const x = tf.tidy(() => tf.variable(tf.scalar(0)))
    const adam = new AdjustableAdam(0.5)
    // loss = x has gradient 1 everywhere, so every bias-corrected Adam step moves x by -(learning rate)
    const step = (): void => { adam.minimize(() => tf.mul(x, 1) as tf.Scalar) }
    step()
    assert.ok(Math.abs(x.dataSync()[0] + 0.5) < 1e-4)
    adam.setLearningRate(0.1)
    step()
    assert.ok(Math.abs(x.dataSync()[0] + 0.6) < 1e-4)
    adam.setLearningRate(0)
    step()
    assert.ok(Math.abs(x.dataSync()[0] + 0.6) < 1e-4)
    adam.dispose()
    x.dispose()
    assert.equal(tf.memory().numTensors, before)
  })
})
