import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Random } from '../../src/data/random.js'
import { AnnIndex, buildAnnIndex } from '../../src/models/ann/ann-index.js'
import { writeIndexFile } from '../../src/models/ann/index-file.js'

const width = 9
const numItems = 300
const rng = new Random(11)
const matrix = Float32Array.from({ length: numItems * width }, () => rng.normal())
const built = buildAnnIndex(matrix, width, { threads: 1 })
const queries = Float32Array.from({ length: 4 * width }, () => rng.normal())

async function gone (path: string): Promise<boolean> {
  for (let i = 0; i < 100 && existsSync(path); i++) await sleep(10)
  return !existsSync(path)
}

describe('an index checked in one thread and mapped in another on its first search (AnnIndex.check, AnnIndex.deferred)', () => {
  it('checks a file and gives its size, and the deferred index finds what a mapped one finds', async () => {
    const file = await writeIndexFile(built.bytes)
    assert.equal(AnnIndex.check(file, built.params), numItems)
    const deferred = AnnIndex.deferred(file, built.params, numItems)
    const mapped = await AnnIndex.open(built.bytes, built.params)
    try {
      assert.equal(deferred.size, numItems)
      assert.equal(deferred.file, file.path)
      const a = deferred.search(queries, 4, 15)
      const b = mapped.search(queries, 4, 15)
      assert.deepEqual(Array.from(a.keys), Array.from(b.keys))
      assert.deepEqual(Array.from(a.counts), Array.from(b.counts))
    } finally {
      deferred.dispose()
      mapped.dispose()
    }
    assert.ok(await gone(file.path), 'the deferred index owns its file')
    assert.throws(() => deferred.search(queries, 4, 15), /disposed/)
  })

  // only verified bytes are ever opened (usearch trusts the file it reads: garbage can crash the process)
  it('refuses an index not as wide as its params say, and removes its file', async () => {
    const narrow = await writeIndexFile(built.bytes)
    assert.throws(() => AnnIndex.check(narrow, { ...built.params, dimensions: built.params.dimensions + 1 }), /wide/)
    assert.ok(await gone(narrow.path))
  })

  it('is never mapped when disposed before a search', async () => {
    const file = await writeIndexFile(built.bytes)
    const deferred = AnnIndex.deferred(file, built.params, numItems)
    deferred.dispose()
    assert.ok(await gone(file.path))
    assert.throws(() => deferred.search(queries, 4, 15), /disposed/)
  })
})
