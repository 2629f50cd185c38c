import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { IdMap } from '../../src/data/id-map.js'
import { AnswerCache } from '../../src/serving/answer-cache.js'
import { ModelRegistry } from '../../src/serving/model-registry.js'
import { RankedCache } from '../../src/serving/ranked-cache.js'
import { Recommender, UnknownGenreError, type RecommendRequest } from '../../src/serving/recommender.js'
import type { Allowed, RankedItems, Servable } from '../../src/serving/servable.js'
import type { KnownItems } from '../../src/serving/user-history.js'
import { UserVectorCache } from '../../src/serving/user-vector-cache.js'
import { MemoryCache } from '../../src/stores/memory-cache.js'

const ITEMS = IdMap.fromIds(['a', 'b', 'c', 'd', 'e'])

/** Ranks every item by index distance from the history's last item: easy to reason about by hand. */
function servable (version: number): Servable & { encodes: number } {
  const rankAll = (score: (i: number) => number, depth: number, allowed: Allowed): RankedItems => {
    const order = [...Array(ITEMS.size).keys()].filter((i) => allowed === undefined || allowed[i] === 1).sort((x, y) => score(y) - score(x)).slice(0, depth)
    return { items: Int32Array.from(order), scores: Float32Array.from(order.map(score)) }
  }
  const self = {
    version,
    kind: 'student' as const,
    items: ITEMS,
    encodes: 0,
    popular: (depth: number, allowed: Allowed) => rankAll((i) => -i, depth, allowed),
    ranker: {
      encode: (history: Int32Array) => { self.encodes++; return Float32Array.of(history[history.length - 1]) },
      rank: async (vector: Float32Array, depth: number, allowed: Allowed) => rankAll((i) => 10 - Math.abs(i - vector[0] - 1), depth, allowed),
      // all of the score, to the last item of the history
      explain: (history: Int32Array, items: Int32Array) => Array.from(items, (i) => ({ item: history[history.length - 1], contribution: 10 - Math.abs(i - history[history.length - 1] - 1) }))
    },
    dispose: () => {}
  }
  return self
}

function recommender (served: Servable | ModelRegistry, stored: Record<string, string[]> = {}, answers?: AnswerCache, onAnswerHit?: (source: string) => void, readsAtOnce = false): Recommender {
  const known = (userId: string): KnownItems => { const ids = stored[userId] ?? []; const indices = ids.map((id) => ITEMS.index(id)).filter((i) => i !== undefined); return { indices: Int32Array.from(indices), ignored: ids.length - indices.length } }
  return new Recommender({
    registry: served instanceof ModelRegistry ? served : new ModelRegistry(served),
    answers,
    onAnswerHit,
    history: { recent: async (userId) => known(userId), ...(readsAtOnce ? { recentNow: known } : {}) },
    ranked: new RankedCache({ cache: new MemoryCache({ maxEntries: 100 }), ttlMs: 60_000, depth: 5 }),
    vectors: new UserVectorCache({ maxEntries: 100, ttlMs: 60_000 }),
    metadata: new Map([['a', { title: 'A', genres: ['Drama'] }], ['c', { genres: ['Drama', 'Comedy'] }], ['d', { genres: ['Comedy'] }]]),
    maxHistory: 10
  })
}

describe('Recommender', () => {
  it('ranks from the stored history, leaves seen and excluded items out, and still returns k items', async () => {
    const rec = recommender(servable(3), { u: ['b'] })
    const answer = await rec.recommend({ userId: 'u', k: 3, excludeSeen: true, exclude: ['c'] })
    assert.deepEqual(answer.items.map((i) => i.itemId), ['d', 'a', 'e'])
    assert.deepEqual(answer.items.map((i) => i.rank), [1, 2, 3])
    assert.deepEqual([answer.source, answer.modelVersion, answer.userId, answer.ignoredItems], ['student', 3, 'u', 0])
  })

  it('serves popularity to a user with no known items, counting the unknown ones', async () => {
    const answer = await recommender(servable(3)).recommend({ history: ['zzz'], k: 2, excludeSeen: true })
    assert.deepEqual([answer.source, answer.userId, answer.ignoredItems, answer.items.map((i) => i.itemId)], ['popular', null, 1, ['a', 'b']])
  })

  it('filters by genre before the cut, describes items only when asked, and refuses an unknown genre', async () => {
    const rec = recommender(servable(3), { u: ['a'] })
    const drama = await rec.recommend({ userId: 'u', k: 5, excludeSeen: false, genres: ['drama'], include: ['title', 'genres'] })
    assert.deepEqual(drama.items.map((i) => [i.itemId, i.title, i.genres]), [['a', 'A', ['Drama']], ['c', undefined, ['Drama', 'Comedy']]])
    const plain = await rec.recommend({ userId: 'u', k: 1, excludeSeen: true })
    assert.deepEqual(plain.items, [{ itemId: 'b', score: 10, rank: 1 }])
    await assert.rejects(rec.recommend({ userId: 'u', k: 1, excludeSeen: true, genres: ['Western'] }), UnknownGenreError)
  })

  it('encodes a stored history once and reuses the user vector; a given history is encoded every time', async () => {
    const served = servable(3)
    const rec = recommender(served, { u: ['b'] })
    await rec.recommend({ userId: 'u', k: 1, excludeSeen: true })
    await rec.recommend({ userId: 'u', k: 2, excludeSeen: true, genres: ['comedy'] })
    assert.equal(served.encodes, 1)
    await rec.recommend({ userId: 'u', history: ['a'], k: 1, excludeSeen: true })
    await rec.recommend({ userId: 'u', history: ['a'], k: 1, excludeSeen: true, genres: ['comedy'] })
    assert.equal(served.encodes, 3)
  })

  describe('with finished answers cached', () => {
    const requests: RecommendRequest[] = [
      { userId: 'u', k: 2, excludeSeen: true },
      { userId: 'u', k: 3, excludeSeen: true },
      { userId: 'u', k: 2, excludeSeen: false },
      { userId: 'u', k: 2, excludeSeen: true, exclude: ['c'] },
      { userId: 'u', k: 2, excludeSeen: true, exclude: ['d'] },
      { userId: 'u', k: 2, excludeSeen: true, genres: ['comedy'] },
      { userId: 'u', k: 2, excludeSeen: true, genres: ['drama'] },
      { userId: 'u', k: 2, excludeSeen: true, include: ['title', 'genres'] },
      { userId: 'v', k: 2, excludeSeen: true },
      { userId: 'nobody', k: 2, excludeSeen: true },
      { userId: 'u', history: ['e'], k: 2, excludeSeen: true }
    ]

    it('answers every request shape exactly as without the cache, also the second time', async () => {
      const stored = { u: ['b'], v: ['b'] }
      const plain = recommender(servable(3), stored)
      const cached = recommender(servable(3), stored, new AnswerCache({ maxEntries: 100, ttlMs: 60_000 }))
      for (let round = 0; round < 2; round++) {
        for (const request of requests) assert.deepEqual(await cached.recommend(request), await plain.recommend(request), `${JSON.stringify(request)}, round ${round}`)
      }
    })

    it('never serves one user\'s answer to another user with the same history', async () => {
      const rec = recommender(servable(3), { u: ['b'], v: ['b'] }, new AnswerCache({ maxEntries: 100, ttlMs: 60_000 }))
      assert.equal((await rec.recommend({ userId: 'u', k: 2, excludeSeen: true })).userId, 'u')
      assert.equal((await rec.recommend({ userId: 'v', k: 2, excludeSeen: true })).userId, 'v')
    })

    it('never serves an answer of another version after a swap', async () => {
      const registry = new ModelRegistry(servable(3))
      const rec = recommender(registry, { u: ['b'] }, new AnswerCache({ maxEntries: 100, ttlMs: 60_000 }))
      await rec.recommend({ userId: 'u', k: 2, excludeSeen: true })
      registry.swap(servable(4))
      assert.equal((await rec.recommend({ userId: 'u', k: 2, excludeSeen: true })).modelVersion, 4)
    })

    it('answers anew once the user\'s history changes', async () => {
      const stored: Record<string, string[]> = { u: ['b'] }
      const rec = recommender(servable(3), stored, new AnswerCache({ maxEntries: 100, ttlMs: 60_000 }))
      assert.deepEqual((await rec.recommend({ userId: 'u', k: 2, excludeSeen: true })).items.map((i) => i.itemId), ['c', 'd'])
      stored.u = ['b', 'c']
      assert.deepEqual((await rec.recommend({ userId: 'u', k: 2, excludeSeen: true })).items.map((i) => i.itemId), ['d', 'e'])
    })

    it('reports each answer it serves from the cache, with its source, and hands out a copy to extend', async () => {
      const hits: string[] = []
      const rec = recommender(servable(3), { u: ['b'] }, new AnswerCache({ maxEntries: 100, ttlMs: 60_000 }), (source) => hits.push(source))
      await rec.recommend({ userId: 'u', k: 2, excludeSeen: true })
      await rec.recommend({ userId: 'nobody', k: 2, excludeSeen: true })
      assert.deepEqual(hits, [])
      const first = await rec.recommend({ userId: 'u', k: 2, excludeSeen: true })
      await rec.recommend({ userId: 'nobody', k: 2, excludeSeen: true })
      assert.deepEqual(hits, ['student', 'popular'])
      Object.assign(first, { extra: 1 })
      assert.equal('extra' in await rec.recommend({ userId: 'u', k: 2, excludeSeen: true }), false)
    })

    it('hands out a cached answer at once (answered) exactly as recommend would, and nothing it does not hold', async () => {
      const stored: Record<string, string[]> = { u: ['b'] }
      const hits: string[] = []
      const rec = recommender(servable(3), stored, new AnswerCache({ maxEntries: 100, ttlMs: 60_000 }), (source) => hits.push(source), true)
      const request = { userId: 'u', k: 2, excludeSeen: true }
      assert.equal(rec.answered(request), undefined)
      const first = await rec.recommend(request)
      assert.deepEqual(rec.answered(request), first)
      assert.notEqual(rec.answered(request), first)
      assert.deepEqual(hits, ['student', 'student'])
      assert.equal(rec.answered({ ...request, k: 3 }), undefined)
      assert.equal(rec.answered({ ...request, history: ['b'] }), undefined)
      stored.u = ['b', 'c']
      assert.equal(rec.answered(request), undefined)
      assert.deepEqual(hits, ['student', 'student'])
    })

    it('answers nothing at once when the history cannot be read at once (Redis) or answers are not cached', async () => {
      const waits = recommender(servable(3), { u: ['b'] }, new AnswerCache({ maxEntries: 100, ttlMs: 60_000 }))
      const request = { userId: 'u', k: 2, excludeSeen: true }
      await waits.recommend(request)
      assert.equal(waits.answered(request), undefined)
      const uncached = recommender(servable(3), { u: ['b'] }, undefined, undefined, true)
      await uncached.recommend(request)
      assert.equal(uncached.answered(request), undefined)
    })
  })
})
