import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildDataset } from '../../src/data/build-dataset.js'
import { PackedCounts } from '../../src/data/packed-counts.js'
import { PackedIds } from '../../src/data/packed-ids.js'
import { itemCounts } from '../../src/models/popularity.js'
import { PACK_MIN_ITEMS, servedDataset } from '../../src/serving/served-dataset.js'

function dataset (items: number): ReturnType<typeof buildDataset> {
  // item i seen (i % 3) + 1 times, by users u0..u9
  return buildDataset(Array.from({ length: items }, (_, i) => Array.from({ length: (i % 3) + 1 }, (_, r) => ({ userId: `u${(i + r) % 10}`, itemId: `i${i}`, ts: i * 3 + r }))).flat())
}

describe('servedDataset', () => {
  for (const size of [50, PACK_MIN_ITEMS]) {
    it(`keeps ${size} items' ids, indices, counts and the users' sequences as the dataset has them${size >= PACK_MIN_ITEMS ? ', packed' : ''}`, () => {
      const source = dataset(size)
      const counts = itemCounts(source.sequences, source.items.size)
      const served = servedDataset(source)
      assert.equal(served.dataset.items instanceof PackedIds, size >= PACK_MIN_ITEMS)
      assert.equal(served.counts instanceof PackedCounts, size >= PACK_MIN_ITEMS)
      assert.equal(served.dataset.items.size, source.items.size)
      assert.equal(served.counts.size, source.items.size)
      for (const i of [0, 1, 2, size - 1]) {
        const id = source.items.id(i)
        assert.equal(served.dataset.items.id(i), id)
        assert.equal(served.dataset.items.index(id), i)
        assert.equal(served.counts.get(id), counts[i])
        assert.equal(served.counts.get(id), (Number(id.slice(1)) % 3) + 1)
      }
      if (served.counts instanceof PackedCounts) {
        const parts = served.counts.parts()!
        for (const array of [parts.ids.ends, parts.ids.table, parts.counts]) assert.ok(array.buffer instanceof SharedArrayBuffer, 'handed to a loading thread without a copy')
      }
      assert.equal(served.dataset.users.index('u3'), source.users.index('u3'))
      assert.equal(served.dataset.sequences, source.sequences)
    })
  }
})
