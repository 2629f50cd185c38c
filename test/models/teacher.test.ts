import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../../src/tf/backend.js'
import { Teacher } from '../../src/models/teacher.js'
import { Student } from '../../src/models/student.js'

const small = { numItems: 30, dim: 16, blocks: 2, heads: 2, ffnDim: 16, maxLen: 8, dropout: 0.2 }

describe('Teacher', () => {
  before(async () => { await selectBackend() })

  it('scores every item for every history', () => {
    const teacher = new Teacher(small)
    const rows = teacher.scoreBatch([Int32Array.of(1, 2, 3), Int32Array.of(4), new Int32Array(0)])
    assert.equal(rows.length, 3)
    for (const row of rows) assert.equal(row.length, 30)
    assert.ok(rows[0].every(Number.isFinite))
    teacher.dispose()
  })

  it('gives a history the same scores whatever padding its batch needs', () => {
    const teacher = new Teacher(small)
    const alone = teacher.scoreBatch([Int32Array.of(5, 6)])[0]
    const padded = teacher.scoreBatch([Int32Array.of(5, 6), Int32Array.of(1, 2, 3, 4, 5, 6, 7)])[0]
    for (let i = 0; i < 30; i++) assert.ok(Math.abs(alone[i] - padded[i]) < 1e-4)
    teacher.dispose()
  })

  it('is causal: a position never sees later items', () => {
    const teacher = new Teacher(small)
    const states = tf.tidy(() => {
      const a = teacher.hidden(tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32'))
      const b = teacher.hidden(tf.tensor2d([[1, 2, 9, 9]], [1, 4], 'int32'))
      return [tf.slice(a, [0, 0, 0], [1, 2, -1]), tf.slice(b, [0, 0, 0], [1, 2, -1]), tf.slice(a, [0, 2, 0], [1, 1, -1]), tf.slice(b, [0, 2, 0], [1, 1, -1])]
    })
    const [a, b, a2, b2] = states.map(s => Array.from(s.dataSync()))
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5))
    assert.ok(a2.some((v, i) => Math.abs(v - b2[i]) > 1e-3))
    tf.dispose(states)
    teacher.dispose()
  })

  it('gives the state after a prefix in one pass over the whole sequence', () => {
    const teacher = new Teacher(small)
    const [whole, prefix] = tf.tidy(() => [
      tf.slice(teacher.hidden(tf.tensor2d([[1, 2, 3, 4, 5]], [1, 5], 'int32')), [0, 2, 0], [1, 1, -1]),
      teacher.finalStates([Int32Array.of(1, 2, 3)])
    ]).map(t => { const v = Array.from(t.dataSync()); t.dispose(); return v })
    whole.forEach((v, i) => assert.ok(Math.abs(v - prefix[i]) < 1e-4))
    teacher.dispose()
  })

  it('ignores items older than maxLen', () => {
    const teacher = new Teacher(small)
    const recent = Int32Array.of(1, 2, 3, 4, 5, 6, 7, 8)
    const [a, b] = teacher.scoreBatch([recent, Int32Array.of(20, 21, ...recent)])
    assert.deepEqual(Array.from(a).map(v => v.toFixed(4)), Array.from(b).map(v => v.toFixed(4)))
    teacher.dispose()
  })

  it('restores by name from another teacher\'s weights and rejects a wrong shape', () => {
    const source = new Teacher({ ...small, seed: 1 })
    const target = new Teacher({ ...small, seed: 2 })
    const history = [Int32Array.of(3, 1, 4)]
    assert.notDeepEqual(source.scoreBatch(history), target.scoreBatch(history))
    target.loadWeights(source.weights())
    assert.deepEqual(source.scoreBatch(history), target.scoreBatch(history))
    const wider = new Teacher({ ...small, dim: 8, ffnDim: 8 })
    assert.throws(() => target.loadWeights(wider.weights()), { code: 'MODEL_WEIGHTS_MISMATCH' })
    for (const m of [source, target, wider]) m.dispose()
  })

  it('builds the same weights from the same seed', () => {
    const a = new Teacher(small)
    const b = new Teacher(small)
    assert.deepEqual(a.scoreBatch([Int32Array.of(1, 2)]), b.scoreBatch([Int32Array.of(1, 2)]))
    a.dispose()
    b.dispose()
  })

  it('leaves no tensors behind after scoring and disposal', () => {
    const before = tf.memory().numTensors
    const teacher = new Teacher(small)
    teacher.scoreBatch([Int32Array.of(1, 2, 3)])
    teacher.dispose()
    assert.equal(tf.memory().numTensors, before)
  })

  it('has defaults at least 10x the default student in parameters and FLOPs on an ML-1M-sized catalogue', () => {
    const teacher = new Teacher({ numItems: 3706 })
    const student = new Student({ numItems: 3706 })
    assert.ok(teacher.paramCount() >= 10 * student.paramCount(), `${teacher.paramCount()} vs ${student.paramCount()}`)
    assert.ok(teacher.flopsPerRequest() >= 10 * student.flopsPerRequest())
    teacher.dispose()
    student.dispose()
  })
})
