import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import { Random } from '../../src/data/random.js'
import { selectBackend } from '../../src/tf/backend.js'
import { LazyAdamTable } from '../../src/tf/lazy-adam-table.js'
import { RowIndex } from '../../src/tf/row-index.js'
import { SparseEmbedding } from '../../src/tf/sparse-embedding.js'

const ROWS = 6
const WIDTH = 3

function randomValues (n: number, rng: Random): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal())
}

function assertClose (actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length)
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`)
  }
}

describe('RowIndex', () => {
  it('numbers distinct ids densely in first-seen order and forgets them on clear', () => {
    const index = new RowIndex(10)
    assert.deepEqual(Array.from(index.map([7, 2, 7, 9, 2])), [0, 1, 0, 2, 1])
    assert.deepEqual(Array.from(index.unique()), [7, 2, 9])
    index.clear()
    assert.equal(index.size, 0)
    assert.deepEqual(Array.from(index.map([2, 4])), [0, 1])
  })

  it('refuses an id outside the table', () => {
    assert.throws(() => new RowIndex(3).add(3), RangeError)
    assert.throws(() => new RowIndex(3).add(-1), RangeError)
  })
})

describe('LazyAdamTable', () => {
  before(async () => { await selectBackend() })

  it('moves every row as TF.js Adam does when every row is updated at every step', () => {
    const rng = new Random(5)
    const initial = randomValues(ROWS * WIDTH, rng)
    const table = new LazyAdamTable(initial.slice(), ROWS, WIDTH, { beta1: 0.9, beta2: 0.98 })
    const variable = tf.variable(tf.tensor2d(initial, [ROWS, WIDTH]))
    const adam: tf.Optimizer = tf.train.adam(0.01, 0.9, 0.98)
    const all = Int32Array.from({ length: ROWS }, (_, i) => i)
    for (let step = 0; step < 25; step++) {
      const grads = randomValues(ROWS * WIDTH, rng)
      tf.tidy(() => {
        const named: tf.NamedTensorMap = { [variable.name]: tf.tensor2d(grads, [ROWS, WIDTH]) }
        adam.applyGradients(named)
      })
      // the rows in another order: each row's gradient goes with it
      const order = Int32Array.from(rng.shuffle(Array.from(all)))
      const shuffled = new Float32Array(grads.length)
      order.forEach((row, r) => shuffled.set(grads.subarray(row * WIDTH, (row + 1) * WIDTH), r * WIDTH))
      table.update(order, shuffled, 0.01)
    }
    assertClose(table.values, variable.dataSync(), 1e-4, 'values')
    adam.dispose()
    variable.dispose()
  })

  it('leaves rows it is not given unchanged, and counts bias correction per row', () => {
    const rng = new Random(6)
    const initial = randomValues(ROWS * WIDTH, rng)
    const table = new LazyAdamTable(initial.slice(), ROWS, WIDTH)
    const late = new LazyAdamTable(initial.slice(), ROWS, WIDTH)
    const grad = randomValues(WIDTH, rng)
    for (let step = 0; step < 4; step++) table.update(Int32Array.of(1), grad, 0.05)
    table.update(Int32Array.of(4), grad, 0.05)
    late.update(Int32Array.of(4), grad, 0.05)
    for (const row of [0, 2, 3, 5]) assert.deepEqual(table.values.subarray(row * WIDTH, (row + 1) * WIDTH), initial.subarray(row * WIDTH, (row + 1) * WIDTH))
    assert.notDeepEqual(table.values.subarray(WIDTH, 2 * WIDTH), initial.subarray(WIDTH, 2 * WIDTH))
    // row 4's first update is a first step (full bias correction) however many steps row 1 took
    assert.deepEqual(table.values.subarray(4 * WIDTH, 5 * WIDTH), late.values.subarray(4 * WIDTH, 5 * WIDTH))
  })
})

describe('SparseEmbedding', () => {
  before(async () => { await selectBackend() })

  it('gathers the touched rows, updates only them and writes the table back, releasing its tensors', () => {
    const rng = new Random(7)
    const initial = randomValues(ROWS * WIDTH, rng)
    const variable = tf.variable(tf.tensor2d(initial, [ROWS, WIDTH]))
    const tensors = tf.memory().numTensors
    const sparse = new SparseEmbedding(variable)
    sparse.index.map([4, 1, 4])
    const gathered = sparse.gather()
    assert.deepEqual(gathered.shape, [2, WIDTH])
    assert.deepEqual(gathered.dataSync(), Float32Array.from([...initial.subarray(4 * WIDTH, 5 * WIDTH), ...initial.subarray(WIDTH, 2 * WIDTH)]))
    const grad = tf.ones([2, WIDTH])
    sparse.update(grad, 0.1)
    grad.dispose()
    assert.equal(sparse.index.size, 0)
    sparse.syncTo(variable)
    const after = variable.dataSync()
    for (let i = 0; i < ROWS * WIDTH; i++) {
      const row = Math.floor(i / WIDTH)
      if (row === 1 || row === 4) assert.ok(Math.abs(after[i] - (initial[i] - 0.1)) < 1e-5, `row ${row} moved by the learning rate`)
      else assert.equal(after[i], initial[i])
    }
    sparse.dispose()
    assert.equal(tf.memory().numTensors, tensors)
    variable.dispose()
  })
})
