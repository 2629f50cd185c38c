import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import type { ArtifactBlobs, ModelStore } from '../../src/stores/model-store.js'

export type MakeModelStore = () => ModelStore | Promise<ModelStore>

export function blobs (tag: string): ArtifactBlobs {
  return {
    'manifest.json': Buffer.from(`{"tag":"${tag}"}`),
    'model.json': Buffer.from('{}'),
    'items.json': Buffer.from('{"items":[]}'),
    // every byte value, so a text round trip would show
    'weights.bin': Buffer.from(Array.from({ length: 256 }, (_, k) => (k + tag.length) % 256))
  }
}

/** The ModelStore contract, for the memory twin and Redis alike. */
export function modelStoreContract (name: string, make: MakeModelStore): void {
  describe(name, () => {
    const open = async (t: TestContext): Promise<ModelStore> => {
      const store = await make()
      t.after(async () => await store.close())
      return store
    }

    it('has no versions and no files before anything is published', async (t) => {
      const store = await open(t)
      assert.deepEqual(await store.versions('student'), [])
      assert.equal(await store.files('student', 1), null)
    })

    it('returns every published file byte for byte, versions ascending, roles apart', async (t) => {
      const store = await open(t)
      assert.equal(await store.publish('student', 12, blobs('a')), true)
      assert.equal(await store.publish('student', 3, blobs('bb')), true)
      assert.equal(await store.publish('teacher', 7, blobs('c')), true)
      assert.deepEqual(await store.versions('student'), [3, 12])
      assert.deepEqual(await store.versions('teacher'), [7])
      assert.deepEqual(await store.files('student', 12), blobs('a'))
      assert.deepEqual(await store.files('student', 3), blobs('bb'))
      assert.equal(await store.files('teacher', 12), null)
    })

    it('never replaces a published version: a version number names one artifact', async (t) => {
      const store = await open(t)
      await store.publish('student', 5, blobs('first'))
      assert.equal(await store.publish('student', 5, blobs('second')), false)
      assert.deepEqual(await store.files('student', 5), blobs('first'))
      assert.deepEqual(await store.versions('student'), [5])
    })

    it('keeps its own copy of what was published', async (t) => {
      const store = await open(t)
      const files = blobs('x')
      await store.publish('student', 1, files)
      files['weights.bin'].fill(0)
      assert.deepEqual(await store.files('student', 1), blobs('x'))
    })

    it('removes one version whole, leaving the others and the other role, and says when there was none', async (t) => {
      const store = await open(t)
      await store.publish('student', 1, blobs('a'))
      await store.publish('student', 2, blobs('b'))
      await store.publish('teacher', 1, blobs('c'))
      assert.equal(await store.remove('student', 1), true)
      assert.deepEqual(await store.versions('student'), [2])
      assert.equal(await store.files('student', 1), null)
      assert.deepEqual(await store.files('student', 2), blobs('b'))
      assert.deepEqual(await store.versions('teacher'), [1])
      assert.deepEqual(await store.files('teacher', 1), blobs('c'))
      assert.equal(await store.remove('student', 1), false)
      assert.equal(await store.remove('student', 99), false)
    })
  })
}
