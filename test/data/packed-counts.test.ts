import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { IdMap } from '../../src/data/id-map.js'
import { PackedCounts } from '../../src/data/packed-counts.js'
import { PackedIds } from '../../src/data/packed-ids.js'

describe('PackedCounts', () => {
  const ids = ['b', 'a', 'item-10', 'é']
  const values = Float64Array.of(3, 0, 7, 1)
  const map = new Map(ids.map((id, i) => [id, values[i]]))

  it('reads as the Map of the same entries, in the same order', () => {
    for (const packed of [new PackedCounts(PackedIds.fromIds(ids), values), new PackedCounts(IdMap.fromIds(ids), values)]) {
      assert.equal(packed.size, map.size)
      for (const id of [...ids, 'missing', '']) {
        assert.equal(packed.get(id), map.get(id), id)
        assert.equal(packed.has(id), map.has(id), id)
      }
      assert.deepEqual([...packed], [...map])
      assert.deepEqual([...packed.entries()], [...map.entries()])
      assert.deepEqual([...packed.keys()], [...map.keys()])
      assert.deepEqual([...packed.values()], [...map.values()])
      const seen: Array<[string, number]> = []
      packed.forEach((value, key, self) => { assert.equal(self, packed); seen.push([key, value]) })
      assert.deepEqual(seen, [...map])
      assert.deepEqual(new Map(packed), map)
    }
  })

  it('hands its parts to another thread only over PackedIds, and is rebuilt from them', () => {
    assert.equal(new PackedCounts(IdMap.fromIds(ids), values).parts(), undefined)
    const parts = new PackedCounts(PackedIds.fromIds(ids), values).parts()!
    const copy = PackedCounts.fromParts(structuredClone(parts))
    assert.deepEqual([...copy], [...map])
  })

  it('refuses counts that do not match the ids', () => {
    assert.throws(() => new PackedCounts(PackedIds.fromIds(ids), new Float64Array(3)), RangeError)
  })
})
