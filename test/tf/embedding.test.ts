import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../../src/tf/backend.js'
import { lookupRows } from '../../src/tf/embedding.js'

describe('lookupRows', () => {
  before(async () => { await selectBackend() })

  it('runs on the wasm backend here', () => {
    assert.equal(tf.getBackend(), 'wasm')
  })

  it('returns the rows of the table in the shape of the ids', () => {
    const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]])
    const ids = tf.tensor2d([[2, 0], [1, 1]], [2, 2], 'int32')
    const out = lookupRows(table, ids)
    assert.deepEqual(out.shape, [2, 2, 2])
    assert.deepEqual(Array.from(out.dataSync()), [5, 6, 1, 2, 3, 4, 3, 4])
    tf.dispose([table, ids, out])
  })

  it('has the analytical gradient, accumulating rows picked more than once', () => {
    const before = tf.memory().numTensors
    const table = tf.tidy(() => tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6]])))
    const ids = tf.tensor1d([2, 0, 2, 2], 'int32')
    const weights = tf.tensor2d([[1, 1], [2, 2], [3, 3], [4, 4]])
    // loss = sum(w * table[ids]) so d loss / d table[r] = sum of w over the picks of r
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(lookupRows(table, ids), weights)) as tf.Scalar, [table])
    assert.equal(value.dataSync()[0], (5 + 6) * 1 + (1 + 2) * 2 + (5 + 6) * 3 + (5 + 6) * 4)
    assert.deepEqual(Array.from(grads[table.name].dataSync()), [2, 2, 0, 0, 8, 8])
    tf.dispose([value, ids, weights, table, ...Object.values(grads)])
    assert.equal(tf.memory().numTensors, before)
  })

  it('lets an optimizer train a table on wasm', () => {
    const table = tf.tidy(() => tf.variable(tf.zeros([4, 3])))
    const ids = tf.tensor1d([1, 3], 'int32')
    const target = tf.ones([2, 3])
    const optimizer = tf.train.sgd(0.5)
    for (let i = 0; i < 20; i++) {
      optimizer.minimize(() => tf.mean(tf.squaredDifference(lookupRows(table, ids), target)) as tf.Scalar, false, [table])
    }
    const rows = table.arraySync() as number[][]
    assert.deepEqual(rows[0], [0, 0, 0])
    assert.ok(rows[1].every(v => Math.abs(v - 1) < 0.05))
    assert.ok(rows[3].every(v => Math.abs(v - 1) < 0.05))
    tf.dispose([table, ids, target])
    optimizer.dispose()
  })
})
