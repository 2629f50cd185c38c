import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { buildDataset } from '../../src/data/build-dataset.js'

describe('buildDataset', () => {
  it('numbers users and items densely in first-seen order', () => {
    const dataset = buildDataset([
      { userId: 'bob', itemId: 'x', ts: 1 },
      { userId: 'ann', itemId: 'y', ts: 2 },
      { userId: 'bob', itemId: 'z', ts: 3 },
      { userId: 'ann', itemId: 'x', ts: 4 }
    ])
    assert.deepEqual(dataset.users.ids(), ['bob', 'ann'])
    assert.deepEqual(dataset.items.ids(), ['x', 'y', 'z'])
    assert.deepEqual(dataset.sequences.map((s) => Array.from(s)), [[0, 2], [1, 0]])
    assert.ok(dataset.sequences.every((s) => s instanceof Int32Array))
  })

  it('sorts each user by ts, keeping input order among equal timestamps', () => {
    const dataset = buildDataset([
      { userId: 'u', itemId: 'late', ts: 30 },
      { userId: 'u', itemId: 'tieA', ts: 20 },
      { userId: 'u', itemId: 'early', ts: 10 },
      { userId: 'u', itemId: 'tieB', ts: 20 },
      { userId: 'u', itemId: 'tieC', ts: 20 }
    ])
    const names = Array.from(dataset.sequences[0], (i) => dataset.items.id(i))
    assert.deepEqual(names, ['early', 'tieA', 'tieB', 'tieC', 'late'])
  })

  it('returns an empty dataset for no interactions', () => {
    const dataset = buildDataset([])
    assert.equal(dataset.users.size, 0)
    assert.equal(dataset.items.size, 0)
    assert.deepEqual(dataset.sequences, [])
  })
})
