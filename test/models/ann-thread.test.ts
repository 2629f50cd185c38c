import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { Random } from '../../src/data/random.js'
import { AnnIndex, buildAnnIndex } from '../../src/models/ann/ann-index.js'
import { AnnThread } from '../../src/models/ann/ann-thread.js'

const width = 9
const numItems = 500
const rng = new Random(8)
const matrix = Float32Array.from({ length: numItems * width }, () => rng.normal())
const built = buildAnnIndex(matrix, width, { threads: 1 })
const queries = Float32Array.from({ length: 5 * width }, () => rng.normal())

describe('AnnThread', () => {
  const indexes: AnnIndex[] = []
  after(() => { for (const index of indexes) index.dispose() })

  it('finds what the index finds on the calling thread', async () => {
    const index = await AnnIndex.open(built.bytes, built.params)
    indexes.push(index)
    const thread = new AnnThread(index)
    try {
      const found = await thread.search(queries, 5, 20)
      const want = index.search(queries, 5, 20)
      assert.equal(found.fetch, want.fetch)
      assert.deepEqual(Array.from(found.counts), Array.from(want.counts, Number))
      assert.deepEqual(Array.from(found.items), Array.from(want.keys, Number))
    } finally {
      thread.close()
    }
  })

  it('rejects searches once closed, and refuses an index that is not memory-mapped', async () => {
    const index = await AnnIndex.open(built.bytes, built.params)
    indexes.push(index)
    const thread = new AnnThread(index)
    thread.close()
    await assert.rejects(thread.search(queries, 5, 20), /closed/)
    const inMemory = new AnnIndex(built.bytes, built.params)
    indexes.push(inMemory)
    assert.throws(() => new AnnThread(inMemory), /memory-mapped/)
  })

  it('rejects what waits when the thread cannot open the index', async () => {
    const index = await AnnIndex.open(built.bytes, built.params)
    indexes.push(index)
    // the file is gone before the thread maps it (its own view fails); the serving view stays mapped
    const { rmSync } = await import('node:fs')
    rmSync(index.file!)
    const thread = new AnnThread(index)
    try {
      await assert.rejects(thread.search(queries, 5, 20))
      await assert.rejects(thread.search(queries, 5, 20), 'and every later search')
    } finally {
      thread.close()
    }
  })
})
