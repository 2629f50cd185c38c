import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { IdMap } from '../../../src/data/id-map.js'
import { datasetFingerprint } from '../../../src/models/artifact/index.js'

describe('datasetFingerprint', () => {
  const sequences = [Int32Array.of(0, 1, 2), Int32Array.of(2, 1)]

  it('is a short hex string that is the same for equal data', () => {
    const fp = datasetFingerprint(sequences)
    assert.match(fp, /^[0-9a-f]{16}$/)
    assert.equal(datasetFingerprint([Int32Array.of(0, 1, 2), Int32Array.of(2, 1)]), fp)
  })

  it('changes when an item, the order or the split between users changes', () => {
    const fp = datasetFingerprint(sequences)
    assert.notEqual(datasetFingerprint([Int32Array.of(0, 1, 3), Int32Array.of(2, 1)]), fp)
    assert.notEqual(datasetFingerprint([Int32Array.of(1, 0, 2), Int32Array.of(2, 1)]), fp)
    assert.notEqual(datasetFingerprint([Int32Array.of(0, 1), Int32Array.of(2, 2, 1)]), fp)
  })

  it('hashes interactions by user, item and time', () => {
    const log = [{ userId: 'u1', itemId: 'i1', ts: 10 }, { userId: 'u1', itemId: 'i2', ts: 11 }]
    const fp = datasetFingerprint(log)
    assert.equal(datasetFingerprint(log.map((x) => ({ ...x }))), fp)
    assert.notEqual(datasetFingerprint([log[0], { ...log[1], ts: 12 }]), fp)
    assert.notEqual(datasetFingerprint([log[0], { ...log[1], userId: 'u2' }]), fp)
  })

  it('distinguishes datasets with the same sequences but different id maps', () => {
    const users = IdMap.fromIds(['u1', 'u2'])
    const a = datasetFingerprint({ users, items: IdMap.fromIds(['a', 'b', 'c']), sequences })
    const b = datasetFingerprint({ users, items: IdMap.fromIds(['a', 'c', 'b']), sequences })
    assert.notEqual(a, b)
    assert.notEqual(a, datasetFingerprint(sequences))
  })
})
