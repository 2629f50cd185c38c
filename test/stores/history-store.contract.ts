import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { HistoryStore } from '../../src/stores/history-store.js'

export type MakeHistoryStore = (options: { maxPerUser: number, ttlMs?: number }) => HistoryStore | Promise<HistoryStore>

/** Short enough for a test, long enough that a late timer on a busy machine does not expire it early. */
const TTL_MS = 600

const items = (from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, k) => `item-${from + k}`)

/** The HistoryStore contract, for the memory twin and every real implementation alike. */
export function historyStoreContract (name: string, make: MakeHistoryStore): void {
  describe(name, () => {
    const open = async (t: TestContext, maxPerUser = 10, ttlMs?: number): Promise<HistoryStore> => {
      const store = await make(ttlMs === undefined ? { maxPerUser } : { maxPerUser, ttlMs })
      t.after(async () => await store.close())
      return store
    }

    it('returns [] for a user it has never seen', async (t) => {
      const store = await open(t)
      assert.deepEqual(await store.recent('nobody', 5), [])
    })

    it('returns appended items oldest first, later appends after earlier ones', async (t) => {
      const store = await open(t)
      await store.append('u1', items(0, 3))
      await store.append('u1', items(3, 5))
      assert.deepEqual(await store.recent('u1', 10), items(0, 5))
    })

    it('returns only the last `limit` items', async (t) => {
      const store = await open(t)
      await store.append('u1', items(0, 6))
      assert.deepEqual(await store.recent('u1', 2), items(4, 6))
      assert.deepEqual(await store.recent('u1', 1), items(5, 6))
    })

    it('returns [] for a limit of 0 or below', async (t) => {
      const store = await open(t)
      await store.append('u1', items(0, 3))
      assert.deepEqual(await store.recent('u1', 0), [])
      assert.deepEqual(await store.recent('u1', -2), [])
    })

    it('keeps at most maxPerUser items per user, dropping the oldest', async (t) => {
      const store = await open(t, 4)
      await store.append('u1', items(0, 3))
      await store.append('u1', items(3, 6))
      assert.deepEqual(await store.recent('u1', 100), items(2, 6))
    })

    it('trims a single append longer than the cap to its newest items', async (t) => {
      const store = await open(t, 3)
      await store.append('u1', items(0, 8))
      assert.deepEqual(await store.recent('u1', 100), items(5, 8))
    })

    it('keeps users apart', async (t) => {
      const store = await open(t)
      await store.append('u1', items(0, 2))
      await store.append('u2', items(10, 11))
      assert.deepEqual(await store.recent('u1', 10), items(0, 2))
      assert.deepEqual(await store.recent('u2', 10), items(10, 11))
    })

    it('ignores an empty append', async (t) => {
      const store = await open(t)
      await store.append('u1', [])
      assert.deepEqual(await store.recent('u1', 10), [])
      await store.append('u1', items(0, 1))
      await store.append('u1', [])
      assert.deepEqual(await store.recent('u1', 10), items(0, 1))
    })

    it('keeps repeated items, as a history of interactions may', async (t) => {
      const store = await open(t)
      await store.append('u1', ['a', 'b', 'a', 'a'])
      assert.deepEqual(await store.recent('u1', 10), ['a', 'b', 'a', 'a'])
    })

    it('applies an eventId once: a second copy in the same append or a later one is skipped', async (t) => {
      const store = await open(t)
      await store.append('u1', ['a', 'b', 'c'], ['x', 'x', 'y'])
      await store.append('u1', ['a', 'd'], ['x', 'z'])
      await store.append('u1', ['c'], ['y'])
      assert.deepEqual(await store.recent('u1', 10), ['a', 'c', 'd'])
    })

    it('always appends items without an eventId, beside items with one', async (t) => {
      const store = await open(t)
      await store.append('u1', ['a', 'b'], [undefined, 'x'])
      await store.append('u1', ['a', 'b'], [undefined, 'x'])
      await store.append('u1', ['a'])
      assert.deepEqual(await store.recent('u1', 10), ['a', 'b', 'a', 'a'])
    })

    it('a retry applies only what an earlier attempt missed, in the retried order', async (t) => {
      const store = await open(t)
      await store.append('u1', ['a'], ['e1'])
      await store.append('u1', ['a', 'b', 'c'], ['e1', 'e2', 'e3'])
      await store.append('u1', ['a', 'b', 'c'], ['e1', 'e2', 'e3'])
      assert.deepEqual(await store.recent('u1', 10), ['a', 'b', 'c'])
    })

    it('adds an eventId once when appends carrying it race', async (t) => {
      const store = await open(t)
      await Promise.all([0, 1, 2].map(async () => await store.append('u1', ['a', 'b'], ['x', 'y'])))
      assert.deepEqual(await store.recent('u1', 10), ['a', 'b'])
    })

    it('trims to the cap what an append with eventIds adds', async (t) => {
      const store = await open(t, 3)
      await store.append('u1', items(0, 5), ['e0', 'e1', 'e2', 'e3', 'e4'])
      await store.append('u1', items(0, 5), ['e0', 'e1', 'e2', 'e3', 'e4'])
      assert.deepEqual(await store.recent('u1', 10), items(2, 5))
    })

    it('keeps eventIds with colons, quotes and non-ASCII characters apart', async (t) => {
      const store = await open(t)
      const ids = ['id:a:b', 'ts:☕', 'id:"x"', 'id:*?[]']
      await store.append('u1', ['a', 'b', 'c', 'd'], ids)
      await store.append('u1', ['a', 'b', 'c', 'd'], ids)
      assert.deepEqual(await store.recent('u1', 10), ['a', 'b', 'c', 'd'])
    })

    it('refuses eventIds that are not parallel to itemIds, appending nothing', async (t) => {
      const store = await open(t)
      await assert.rejects(store.append('u1', ['a', 'b'], ['x']), TypeError)
      assert.deepEqual(await store.recent('u1', 10), [])
    })

    it('keeps ids with spaces, colons and non-ASCII characters intact', async (t) => {
      const store = await open(t)
      const odd = ['movie: the sequel', 'café ☕', '*?[]', '']
      await store.append('user:ü 1', odd)
      assert.deepEqual(await store.recent('user:ü 1', 10), odd)
    })

    it('forgets a user ttlMs after the last append, and each append starts the time again', async (t) => {
      const store = await open(t, 10, TTL_MS)
      await store.append('u1', ['a'])
      await store.append('u2', ['b'])
      await sleep(TTL_MS / 2)
      await store.append('u1', ['c'])
      await sleep(TTL_MS / 2 + 100)
      assert.deepEqual(await store.recent('u2', 10), [], 'u2 was idle for longer than ttlMs')
      assert.deepEqual(await store.recent('u1', 10), ['a', 'c'], 'u1 appended again within ttlMs')
      await sleep(TTL_MS / 2 + 100)
      assert.deepEqual(await store.recent('u1', 10), [])
    })

    it('counts an append whose events were all applied before as activity', async (t) => {
      const store = await open(t, 10, TTL_MS)
      await store.append('u1', ['a'], ['e1'])
      await sleep(TTL_MS / 2)
      await store.append('u1', ['a'], ['e1'])
      await sleep(TTL_MS / 2 + 100)
      assert.deepEqual(await store.recent('u1', 10), ['a'])
    })

    it('starts a new history for a user it forgot', async (t) => {
      const store = await open(t, 10, TTL_MS)
      await store.append('u1', ['a'])
      await sleep(TTL_MS + 100)
      await store.append('u1', ['b'])
      assert.deepEqual(await store.recent('u1', 10), ['b'])
    })
  })
}
