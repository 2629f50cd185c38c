import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildDataset } from '../../src/data/build-dataset.js'
import { IdMap } from '../../src/data/id-map.js'
import { servedDataset } from '../../src/serving/served-dataset.js'
import { UserHistory } from '../../src/serving/user-history.js'
import { MemoryHistoryStore } from '../../src/stores/memory-history-store.js'

describe('UserHistory', () => {
  const dataset = buildDataset([
    { userId: 'u', itemId: 'a', ts: 1 },
    { userId: 'u', itemId: 'b', ts: 2 },
    { userId: 'u', itemId: 'c', ts: 3 },
    { userId: 'v', itemId: 'd', ts: 1 }
  ])

  it('reads the dataset history, then live events, on the served catalogue, counting what it does not know', async () => {
    const live = new MemoryHistoryStore({ maxPerUser: 10, maxUsers: 10 })
    await live.append('u', ['x', 'd'])
    const history = new UserHistory(dataset, live)
    // another catalogue: other order, no "b", no "x"
    const items = IdMap.fromIds(['d', 'c', 'a'])
    const { indices, ignored } = await history.recent('u', 10, items)
    assert.deepEqual([...indices].map((i) => items.id(i)), ['a', 'c', 'd'])
    assert.equal(ignored, 2)
  })

  it('keeps the most recent `limit` items, live ones first to stay', async () => {
    const live = new MemoryHistoryStore({ maxPerUser: 10, maxUsers: 10 })
    await live.append('u', ['d'])
    const history = new UserHistory(dataset, live)
    const items = dataset.items
    assert.deepEqual([...(await history.recent('u', 2, items)).indices].map((i) => items.id(i)), ['c', 'd'])
    assert.deepEqual([...(await history.recent('v', 5, items)).indices].map((i) => items.id(i)), ['d'])
    assert.deepEqual(await history.recent('nobody', 5, items), { indices: new Int32Array(0), ignored: 0 })
  })

  it('serves from the live store alone without a dataset', async () => {
    const live = new MemoryHistoryStore({ maxPerUser: 10, maxUsers: 10 })
    await live.append('u', ['a', 'q'])
    const items = IdMap.fromIds(['a'])
    assert.deepEqual(await new UserHistory(undefined, live).recent('u', 5, items), { indices: Int32Array.of(0), ignored: 1 })
  })

  it('reads a catalogue that numbers the dataset\'s items the same (new items after them) as the mapped one would', async () => {
    const live = new MemoryHistoryStore({ maxPerUser: 10, maxUsers: 10 })
    const history = new UserHistory(dataset, live)
    const grown = IdMap.fromIds([...dataset.items.ids(), 'new'])
    const ids = async (userId: string, limit: number): Promise<string[]> => [...(await history.recent(userId, limit, grown)).indices].map((i) => grown.id(i))
    assert.deepEqual(await ids('u', 2), ['b', 'c'])
    assert.deepEqual(await history.recent('u', 10, grown), { indices: Int32Array.from(['a', 'b', 'c'], (id) => grown.index(id) as number), ignored: 0 })
    await live.append('u', ['new', 'gone'])
    assert.deepEqual(await ids('u', 3), ['c', 'new'])
    assert.deepEqual((await history.recent('u', 3, grown)).ignored, 1)
    assert.deepEqual(await ids('u', 10), ['a', 'b', 'c', 'new'])
  })

  it('answers from a large catalogue by id while its table is built between turns of the loop, then from the table, the same', async () => {
    // 50,000 items: above the 20,000 translated per turn
    const n = 50_000
    const large = buildDataset(Array.from({ length: n }, (_, i) => ({ userId: `u${i % 100}`, itemId: `i${i}`, ts: i })))
    const live = new MemoryHistoryStore({ maxPerUser: 10, maxUsers: 10 })
    await live.append('u7', ['i3'])
    // as the dataset was read, and as the service keeps it (its item ids packed)
    for (const kept of [large, servedDataset(large).dataset]) {
      const history = new UserHistory(kept, live)
      for (const items of [IdMap.fromIds([...large.items.ids()].reverse()), IdMap.fromIds(large.items.ids())]) {
        const expected = [...large.sequences[large.users.index('u7')!].subarray(-5)].map((i) => large.items.id(i)).concat('i3')
        const ids = async (): Promise<string[]> => [...(await history.recent('u7', 6, items)).indices].map((i) => items.id(i))
        assert.deepEqual(await ids(), expected, 'the first answer, translated by id')
        await new Promise((resolve) => setTimeout(resolve, 50))
        assert.deepEqual(await ids(), expected, 'from the finished table')
      }
    }
  })

  it('reads through a table handed over for its own dataset\'s items, and ignores one for other items', async () => {
    const live = new MemoryHistoryStore({ maxPerUser: 10, maxUsers: 10 })
    const history = new UserHistory(dataset, live)
    const items = IdMap.fromIds(['c', 'a', 'z'])
    // a wrong table for another id map: ignored, the history builds the right one
    history.adopt(items, IdMap.fromIds(dataset.items.ids()), Int32Array.from(dataset.items.ids(), () => -1))
    const ids = async (catalogue: IdMap): Promise<string[]> => [...(await history.recent('u', 10, catalogue)).indices].map((i) => catalogue.id(i))
    assert.deepEqual(await ids(items), ['a', 'c'])
    // its own: used as given (here one that drops "a", which a built table would not)
    const other = IdMap.fromIds(['c', 'a', 'z'])
    history.adopt(other, dataset.items, Int32Array.from(dataset.items.ids(), (id) => id === 'c' ? 0 : -1))
    assert.deepEqual(await history.recent('u', 10, other), { indices: Int32Array.of(0), ignored: 2 })
  })
})
