import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import type { ItemCountsStore } from '../../src/stores/item-counts-store.js'

export type MakeItemCountsStore = () => ItemCountsStore | Promise<ItemCountsStore>

const counts = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries))

/** The ItemCountsStore contract, for the memory twin and every real implementation alike. */
export function itemCountsStoreContract (name: string, make: MakeItemCountsStore): void {
  describe(name, () => {
    const open = async (t: TestContext): Promise<ItemCountsStore> => {
      const store = await make()
      t.after(async () => await store.close())
      return store
    }

    it('reads an empty map before anything is added', async (t) => {
      const store = await open(t)
      assert.deepEqual(await store.read(), new Map())
    })

    it('reads back every added item with its count', async (t) => {
      const store = await open(t)
      await store.add(counts({ a: 3, b: 1, c: 12 }))
      assert.deepEqual(await store.read(), counts({ a: 3, b: 1, c: 12 }))
    })

    it('sums the counts of later adds into each item\'s total', async (t) => {
      const store = await open(t)
      await store.add(counts({ a: 3, b: 1 }))
      await store.add(counts({ b: 4, c: 2 }))
      assert.deepEqual(await store.read(), counts({ a: 3, b: 5, c: 2 }))
    })

    it('sums fractional counts', async (t) => {
      const store = await open(t)
      await store.add(counts({ a: 0.5 }))
      await store.add(counts({ a: 0.25, b: 1.5 }))
      assert.deepEqual(await store.read(), counts({ a: 0.75, b: 1.5 }))
    })

    it('treats a count of 0 and an empty add as no change', async (t) => {
      const store = await open(t)
      await store.add(new Map())
      await store.add(counts({ a: 0 }))
      assert.deepEqual(await store.read(), new Map())
      await store.add(counts({ b: 2 }))
      await store.add(counts({ b: 0 }))
      assert.deepEqual(await store.read(), counts({ b: 2 }))
    })

    it('refuses a negative, NaN or infinite count with STORE_INVALID_OPTION and adds nothing of that call', async (t) => {
      const store = await open(t)
      await store.add(counts({ a: 1 }))
      for (const bad of [-1, Number.NaN, Infinity]) {
        await assert.rejects(store.add(counts({ a: 5, b: bad })), { code: 'STORE_INVALID_OPTION' })
      }
      assert.deepEqual(await store.read(), counts({ a: 1 }))
    })

    it('keeps ids with spaces, colons and non-ASCII characters intact', async (t) => {
      const store = await open(t)
      const odd = counts({ 'movie: the sequel': 2, 'café ☕': 1, '*?[]': 4, '': 7 })
      await store.add(odd)
      assert.deepEqual(await store.read(), odd)
    })

    it('reads every item of a catalogue larger than one write or read batch', async (t) => {
      const store = await open(t)
      const many = new Map(Array.from({ length: 2500 }, (_, i) => [`item-${i}`, i + 1]))
      await store.add(many)
      await store.add(many)
      const read = await store.read()
      assert.equal(read.size, 2500)
      for (const [id, n] of many) assert.equal(read.get(id), 2 * n, id)
    })

    it('hands out copies: changing a read map changes nothing stored', async (t) => {
      const store = await open(t)
      await store.add(counts({ a: 1 }))
      const read = await store.read()
      read.set('a', 99)
      read.set('x', 1)
      assert.deepEqual(await store.read(), counts({ a: 1 }))
    })
  })
}
