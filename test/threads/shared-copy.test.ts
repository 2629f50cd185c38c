import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SHARE_MIN_BYTES, shareLarge, sharedCopy } from '../../src/threads/shared-copy.js'

const large = SHARE_MIN_BYTES / 4

describe('shared copies', () => {
  it('copies a typed array into shared memory of its own, same type and values', () => {
    for (const array of [Float32Array.of(1.5, -2, 3), Int32Array.of(-7, 8), Uint8Array.of(255, 0), Float64Array.of(Math.PI)]) {
      const copy = sharedCopy(array)
      assert.ok(copy.buffer instanceof SharedArrayBuffer)
      assert.equal(copy.constructor, array.constructor)
      assert.deepEqual(Array.from(copy), Array.from(array))
      copy[0] = 0
      assert.notEqual(array[0], 0, 'a copy, not a view')
    }
  })

  it('replaces the large typed arrays at any depth of plain objects and arrays, and keeps the rest', () => {
    const big = new Float32Array(large).fill(2)
    const small = new Int32Array(8).fill(3)
    const already = new Float32Array(new SharedArrayBuffer(SHARE_MIN_BYTES))
    class Box { constructor (readonly inside: Float32Array) {} }
    const box = new Box(big)
    const value = { type: 'done', n: 3, none: null, nested: { big, list: [small, big], already, box }, text: 'x' }
    const shared = shareLarge(value)
    assert.ok(shared.nested.big.buffer instanceof SharedArrayBuffer)
    assert.deepEqual(Array.from(shared.nested.big.subarray(0, 4)), [2, 2, 2, 2])
    assert.ok(shared.nested.list[1].buffer instanceof SharedArrayBuffer)
    assert.equal(shared.nested.list[0], small, 'a small array is kept')
    assert.equal(shared.nested.already, already, 'an array already shared is kept')
    assert.equal(shared.nested.box, box, 'an instance of a class is kept as it is')
    assert.deepEqual([shared.type, shared.n, shared.none, shared.text], ['done', 3, null, 'x'])
    assert.ok(!(value.nested.big.buffer instanceof SharedArrayBuffer), 'the input is left as it was')
  })

  it('hands a large array to another thread as a view of the same memory', async () => {
    const { Worker } = await import('node:worker_threads')
    const worker = new Worker('require("node:worker_threads").parentPort.once("message", (a) => { a[0] = 42; require("node:worker_threads").parentPort.postMessage("done") })', { eval: true })
    const array = shareLarge(new Float32Array(large))
    worker.postMessage(array)
    await new Promise((resolve) => worker.once('message', resolve))
    assert.equal(array[0], 42)
    await worker.terminate()
  })
})
