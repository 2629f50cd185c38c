import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decode, encode, historyHash, keyFromHash } from '../../src/serving/ranked-cache.js'

describe('ranked cache entries', () => {
  const ranked = { items: Int32Array.of(7, 3, 9), scores: Float32Array.of(2.5, -1, 0.125) }

  it('decode(encode(x)) is x, from an aligned buffer and from one that is not', () => {
    const aligned = encode(ranked)
    assert.deepEqual(decode(aligned), ranked)
    const shifted = Buffer.alloc(aligned.length + 1)
    aligned.copy(shifted, 1)
    assert.deepEqual(decode(shifted.subarray(1)), ranked)
  })

  it('keys carry the version and the history, and a filter when there is one', () => {
    const history = Int32Array.of(1, 2)
    assert.match(keyFromHash(42, historyHash(history)), /^rec:v42:h[\w-]{22}$/)
    assert.notEqual(keyFromHash(43, historyHash(history)), keyFromHash(42, historyHash(history)))
    assert.notEqual(keyFromHash(42, historyHash(Int32Array.of(2, 1))), keyFromHash(42, historyHash(history)))
    assert.match(keyFromHash(42, historyHash(history), 'gdrama'), /:gdrama$/)
  })
})
