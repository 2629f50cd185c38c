import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../../src/tf/backend.js'
import { Student } from '../../src/models/student.js'
import { completeStudentConfig, studentWeightShapes } from '../../src/models/student-config.js'

const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-4

describe('Student', () => {
  before(async () => { await selectBackend() })

  it('serves scores as user vector · item matrix rows, item bias included', () => {
    const student = new Student({ numItems: 12, dim: 4, window: 3, seed: 3 })
    // make the bias visible: the matrix must carry it
    const bias = tf.range(0, 12, 1, 'float32')
    student.loadWeights({ ...student.weights(), itemBias: bias })
    bias.dispose()
    const histories = [Int32Array.of(1, 2), Int32Array.of(7, 8, 9, 10)]
    const users = student.userVectors(histories)
    const items = student.itemMatrix()
    const width = student.servingDim
    assert.equal(width, 5)
    assert.equal(items.length, 12 * width)
    const scores = student.scoreBatch(histories)
    histories.forEach((_, u) => {
      for (let i = 0; i < 12; i++) {
        let dot = 0
        for (let k = 0; k < width; k++) dot += users[u][k] * items[i * width + k]
        assert.ok(close(dot, scores[u][i]), `user ${u} item ${i}: ${dot} vs ${scores[u][i]}`)
      }
    })
    student.dispose()
  })

  it('pools only the last `window` items', () => {
    const student = new Student({ numItems: 12, dim: 4, window: 3 })
    const [a, b] = student.scoreBatch([Int32Array.of(4, 5, 6), Int32Array.of(1, 2, 3, 4, 5, 6)])
    assert.ok(a.every((v, i) => close(v, b[i])))
    student.dispose()
  })

  it('counts its parameters: item table with padding row, position weights, dense layer, item bias', () => {
    const student = new Student({ numItems: 100, dim: 8, window: 5 })
    assert.equal(student.paramCount(), 101 * 8 + 5 + 8 * 8 + 8 + 100)
    student.dispose()
    const bare = new Student({ numItems: 100, dim: 8, window: 5, dense: false, itemBias: false })
    assert.equal(bare.paramCount(), 101 * 8 + 5)
    assert.equal(bare.servingDim, 8)
    bare.dispose()
  })

  it('restores by name and leaves no tensors behind', () => {
    const before = tf.memory().numTensors
    const a = new Student({ numItems: 10, dim: 4, seed: 1 })
    const b = new Student({ numItems: 10, dim: 4, seed: 2 })
    b.loadWeights(a.weights())
    assert.deepEqual(a.scoreBatch([Int32Array.of(1)]), b.scoreBatch([Int32Array.of(1)]))
    assert.throws(() => b.loadWeights({}), { code: 'MODEL_WEIGHTS_MISMATCH' })
    a.userVectors([Int32Array.of(1)])
    a.itemMatrix()
    a.dispose()
    b.dispose()
    assert.equal(tf.memory().numTensors, before)
  })

  it('has the weight shapes studentWeightShapes gives for its config (what a loading thread checks a version against), for every family and option', () => {
    for (const config of [{ numItems: 7 }, { numItems: 5, dim: 3, window: 4, dense: false, itemBias: false }, { numItems: 6, dim: 4, family: 'last-item' as const }]) {
      const student = new Student(config)
      try {
        const shapes = Object.fromEntries(Object.entries(student.weights()).map(([name, w]) => [name, w.shape]))
        assert.deepEqual(studentWeightShapes(completeStudentConfig(config)), shapes)
      } finally {
        student.dispose()
      }
    }
    assert.throws(() => completeStudentConfig({ numItems: 0 }), /numItems must be a positive integer, got 0/)
    assert.throws(() => completeStudentConfig({ numItems: 3, family: 'last-item', dense: false }), /needs the dense layer/)
  })
})
