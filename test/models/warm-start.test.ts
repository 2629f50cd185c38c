import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { selectBackend } from '../../src/tf/backend.js'
import { Student, STUDENT_FAMILIES } from '../../src/models/student.js'
import { warmStart } from '../../src/models/warm-start.js'
import { randomStudent } from './random-student.js'

const row = (student: Student, name: string, i: number, width: number): number[] =>
  Array.from((student.weights()[name].dataSync() as Float32Array).subarray(i * width, (i + 1) * width))

describe('warmStart', () => {
  before(async () => { await selectBackend() })

  for (const family of STUDENT_FAMILIES) {
    it(`copies item rows by id and the other weights whole within the ${family} family`, () => {
      const previous = randomStudent({ family, numItems: 3, dim: 4, window: 3, seed: 1 })
      const student = new Student({ family, numItems: 4, dim: 4, window: 3, seed: 2 })
      const fresh = row(student, 'items', 1, 4)
      const result = warmStart(student, ['c', 'new', 'a', 'b'], previous, ['a', 'b', 'c'])
      assert.deepEqual(result, { reused: 3, added: 1 })
      assert.deepEqual(row(student, 'items', 0, 4), row(previous, 'items', 2, 4))
      assert.deepEqual(row(student, 'items', 2, 4), row(previous, 'items', 0, 4))
      assert.deepEqual(row(student, 'items', 1, 4), fresh)
      assert.deepEqual(row(student, 'itemBias', 3, 1), row(previous, 'itemBias', 1, 1))
      // the pool's position weights, or the attention block, and the dense map
      for (const name of Object.keys(student.weights()).filter((n) => n !== 'items' && n !== 'itemBias')) {
        assert.deepEqual(Array.from(student.weights()[name].dataSync()), Array.from(previous.weights()[name].dataSync()), name)
      }
      // the copy scores item c after history [a] as the previous student did
      const [was] = previous.scoreBatch([Int32Array.of(0)])
      const [now] = student.scoreBatch([Int32Array.of(2)])
      assert.ok(Math.abs(now[0] - was[2]) < 1e-5)
      previous.dispose()
      student.dispose()
    })
  }

  it('refuses across families, changing nothing: the student trains from scratch', () => {
    for (const [from, to] of [['pooling', 'last-item'], ['last-item', 'pooling'], ['pooling', 'attention'], ['attention', 'last-item']] as const) {
      const previous = randomStudent({ family: from, numItems: 3, dim: 4, window: 3, seed: 1 })
      const student = new Student({ family: to, numItems: 3, dim: 4, window: 3, seed: 2 })
      const before = Object.fromEntries(Object.entries(student.weights()).map(([name, v]) => [name, Array.from(v.dataSync())]))
      assert.equal(warmStart(student, ['a', 'b', 'c'], previous, ['a', 'b', 'c']), null, `${from} -> ${to}`)
      for (const [name, v] of Object.entries(student.weights())) assert.deepEqual(Array.from(v.dataSync()), before[name], name)
      previous.dispose()
      student.dispose()
    }
  })

  it('refuses an attention student of another block shape (heads or feed-forward width)', () => {
    for (const shape of [{ heads: 2 }, { ffnDim: 8 }]) {
      const previous = randomStudent({ family: 'attention', numItems: 3, dim: 4, window: 3, seed: 1 })
      const student = new Student({ family: 'attention', numItems: 3, dim: 4, window: 3, seed: 2, ...shape })
      assert.equal(warmStart(student, ['a', 'b', 'c'], previous, ['a', 'b', 'c']), null, JSON.stringify(shape))
      previous.dispose()
      student.dispose()
    }
  })
})
