import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { IdMap } from '../../src/data/id-map.js'
import { PackedIds } from '../../src/data/packed-ids.js'

describe('PackedIds', () => {
  const ids = ['i1', 'i10', 'i100', '', 'é', '😀x', 'a'.repeat(128), 'z'.repeat(9000), ...Array.from({ length: 5000 }, (_, i) => `item-${i * 7}`)]

  it('maps ids to indices and back as IdMap does, and knows nothing else', () => {
    const packed = PackedIds.fromIds(ids)
    const map = IdMap.fromIds(ids)
    assert.equal(packed.size, map.size)
    for (const [i, id] of ids.entries()) {
      assert.equal(packed.index(id), map.index(id), id)
      assert.equal(packed.id(i), id)
    }
    for (const unknown of ['i', 'i1000', 'item-1', 'item-35000', 'É', '😀', 'a'.repeat(127)]) assert.equal(packed.index(unknown), undefined, unknown)
    assert.deepEqual(packed.ids(), ids)
    assert.throws(() => packed.id(ids.length), RangeError)
    assert.throws(() => packed.id(-1), RangeError)
  })

  it('is rebuilt whole from its parts (what a loading thread hands over)', () => {
    const parts = structuredClone(PackedIds.fromIds(ids).parts())
    const copy = new PackedIds(parts)
    assert.equal(copy.index('item-70'), ids.indexOf('item-70'))
    assert.equal(copy.id(4), 'é')
    assert.throws(() => new PackedIds({ ...parts, codes: parts.codes.subarray(1) }), /do not end where their code units do/)
    assert.throws(() => new PackedIds({ ...parts, table: new Int32Array(3) }), /a table of 3 slots/)
  })

  it('refuses a duplicate id, and holds an empty catalogue', () => {
    assert.throws(() => PackedIds.fromIds(['a', 'b', 'a']), /duplicate id "a"/)
    const empty = PackedIds.fromIds([])
    assert.equal(empty.size, 0)
    assert.equal(empty.index('a'), undefined)
  })
})
