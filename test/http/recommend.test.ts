import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateSynthetic } from '../../src/data/synthetic.js'
import { build, buildWithStudent } from '../helper.js'

interface Body {
  userId: string | null
  modelVersion: number
  source: string
  items: Array<{ itemId: string, score: number, rank: number }>
}

const data = generateSynthetic({ seed: 7 })
const knownUser = data[0].userId
const seenByKnownUser = new Set(data.filter(e => e.userId === knownUser).map(e => e.itemId))
const itemCounts = new Map<string, number>()
for (const { itemId } of data) itemCounts.set(itemId, (itemCounts.get(itemId) ?? 0) + 1)
const mostPopular = [...itemCounts].sort((a, b) => b[1] - a[1] || 0).map(([id]) => id)

describe('GET /recommend', () => {
  it('answers an unknown user with the most popular items, ranked, with the model version', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ url: '/recommend?userId=nobody&k=5' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['x-model-version'], '0')
    assert.ok(res.headers['x-request-id'])
    const body = res.json<Body>()
    assert.equal(body.userId, 'nobody')
    assert.equal(body.modelVersion, 0)
    assert.equal(body.source, 'popular')
    assert.deepEqual(body.items.map(i => i.rank), [1, 2, 3, 4, 5])
    assert.deepEqual(body.items.map(i => i.itemId), mostPopular.slice(0, 5))
    for (let i = 1; i < body.items.length; i++) assert.ok(body.items[i - 1].score >= body.items[i].score)
  })

  it('returns DEFAULT_K items when k is omitted', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ url: '/recommend?userId=nobody' })
    assert.equal(res.json<Body>().items.length, 10)
  })

  it('never recommends what a known user has already seen', async (t) => {
    const { app } = await build(t)
    const body = (await app.inject({ url: `/recommend?userId=${knownUser}&k=50` })).json<Body>()
    assert.equal(body.items.length, 50)
    for (const item of body.items) assert.ok(!seenByKnownUser.has(item.itemId), `${item.itemId} was seen`)
  })

  it('recommends seen items too when excludeSeen=false', async (t) => {
    const { app } = await build(t)
    const body = (await app.inject({ url: `/recommend?userId=${knownUser}&k=20&excludeSeen=false` })).json<Body>()
    assert.deepEqual(body.items.map(i => i.itemId), mostPopular.slice(0, 20))
  })

  it('excludes an item right after an event for it arrives', async (t) => {
    const { app } = await build(t)
    const before = (await app.inject({ url: '/recommend?userId=fresh&k=3' })).json<Body>()
    const top = before.items[0].itemId
    const ack = await app.inject({ method: 'POST', url: '/events', payload: { userId: 'fresh', itemId: top } })
    assert.equal(ack.statusCode, 202)
    const after = (await app.inject({ url: '/recommend?userId=fresh&k=3' })).json<Body>()
    assert.ok(!after.items.some(i => i.itemId === top))
    assert.equal(after.items[0].itemId, before.items[1].itemId)
  })

  it('answers popularity without the ranking cache: a slice of a list computed once', async (t) => {
    const { app, services } = await build(t)
    await app.inject({ url: '/recommend?userId=a' })
    await app.inject({ url: '/recommend?userId=b' })
    assert.deepEqual((await services.metrics.cacheRequests.get()).values, [])
  })

  it('serves a repeated student ranking from the cache', async (t) => {
    const { app, services } = await buildWithStudent(t)
    await app.inject({ url: '/recommend?userId=u1' })
    await app.inject({ url: '/recommend?userId=u1' })
    const hits = (await services.metrics.cacheRequests.get()).values.find(v => v.labels.result === 'hit')
    assert.equal(hits?.value, 1)
  })
})

describe('POST /recommend', () => {
  it('ranks from a given history and excludes it and the exclude list', async (t) => {
    const { app } = await build(t)
    const history = mostPopular.slice(0, 2)
    const exclude = [mostPopular[2]]
    const res = await app.inject({ method: 'POST', url: '/recommend', payload: { history, exclude, k: 3 } })
    assert.equal(res.statusCode, 200)
    const body = res.json<Body>()
    assert.equal(body.userId, null)
    assert.deepEqual(body.items.map(i => i.itemId), mostPopular.slice(3, 6))
  })

  it('accepts a userId with a history and excludes both histories', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ method: 'POST', url: '/recommend', payload: { userId: knownUser, history: [mostPopular[0]], k: 30 } })
    const ids = res.json<Body>().items.map(i => i.itemId)
    assert.ok(!ids.includes(mostPopular[0]))
    for (const id of ids) assert.ok(!seenByKnownUser.has(id))
  })

  it('ignores unknown items in a history instead of failing', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ method: 'POST', url: '/recommend', payload: { history: ['never-seen-item'], k: 2 } })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json<Body>().items.map(i => i.itemId), mostPopular.slice(0, 2))
  })
})

describe('k is a finite integer within 1..MAX_K on every route', () => {
  for (const k of ['Infinity', '1e400', '-Infinity', '-1e400', 'NaN', '0x10', '1e3']) {
    it(`rejects GET /recommend?k=${k} with 400 naming k`, async (t) => {
      const { app } = await build(t)
      const res = await app.inject({ url: `/recommend?userId=u1&k=${k}` })
      assert.equal(res.statusCode, 400, res.body)
      assert.equal(res.json<{ field: string }>().field, 'k')
    })
  }

  for (const k of ['1e400', 'Infinity', '5', true, 1.5]) {
    it(`rejects POST /recommend with k ${JSON.stringify(k)} (bodies are not coerced)`, async (t) => {
      const { app } = await build(t)
      const res = await app.inject({ method: 'POST', url: '/recommend', payload: { userId: 'u1', k } })
      assert.equal(res.statusCode, 400, res.body)
      assert.equal(res.json<{ field: string }>().field, 'k')
    })
  }

  it('rejects k: 1e400 written as a JSON number (it parses to Infinity)', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ method: 'POST', url: '/recommend', headers: { 'content-type': 'application/json' }, payload: '{"userId":"u1","k":1e400}' })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json<{ field: string }>().field, 'k')
  })

  it('answers a batch entry with k "1e400" with its own 400 and serves the others', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ method: 'POST', url: '/recommend/batch', payload: { requests: [{ userId: 'u1', k: '1e400' }, { userId: 'u1', k: 2 }] } })
    assert.equal(res.statusCode, 200)
    const [bad, good] = res.json<{ results: Array<{ code?: string, field?: string, items?: unknown[] }> }>().results
    assert.equal(bad.code, 'INVALID_REQUEST')
    assert.equal(bad.field, 'requests.0.k')
    assert.equal(good.items?.length, 2)
  })

  it('still reads well-formed numerals and booleans from the query string', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ url: '/recommend?userId=u1&k=1e1&excludeSeen=false' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json<Body>().items.length, 10)
  })
})

describe('ids are well-formed Unicode', () => {
  const lone: Array<[string, object, string]> = [
    ['userId', { userId: 'u\ud800' }, 'userId'],
    ['a history item', { history: ['i1', '\udfff'] }, 'history.1'],
    ['an exclude item', { userId: 'u1', exclude: ['\ud83d'] }, 'exclude.0'],
    ['a genre', { userId: 'u1', filter: { genres: ['Dra\ud800ma'] } }, 'filter.genres.0']
  ]
  for (const [name, payload, field] of lone) {
    it(`rejects ${name} holding a lone surrogate with 400 naming ${field}`, async (t) => {
      const { app } = await build(t)
      const res = await app.inject({ method: 'POST', url: '/recommend', payload })
      assert.equal(res.statusCode, 400, res.body)
      assert.equal(res.json<{ field: string }>().field, field)
    })
  }

  it('accepts ids with characters outside the BMP (a surrogate pair)', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ method: 'POST', url: '/recommend', payload: { userId: 'u\u{1F600}', history: ['i\u{1F600}'], k: 2 } })
    assert.equal(res.statusCode, 200, res.body)
  })

  it('rejects a query string whose escapes are not UTF-8 (a surrogate or a stray byte) instead of keeping it raw', async (t) => {
    const { app } = await build(t)
    for (const userId of ['%ED%A0%80', '%FF', 'u%']) {
      const res = await app.inject({ url: `/recommend?userId=${userId}` })
      assert.equal(res.statusCode, 400, userId)
      assert.equal(res.json<{ code: string }>().code, 'BAD_REQUEST')
    }
  })
})

// the handlers are synchronous: a cache hit is sent before they return, an error thrown on the way
// is answered as a rejected promise was
describe('/recommend answers at once and in the error shape', () => {
  it('sends a repeated request (a cache hit) with its own ids, the same list and the version header', async (t) => {
    const { app } = await build(t)
    const [first, second] = [await app.inject({ url: `/recommend?userId=${knownUser}&k=5` }), await app.inject({ url: `/recommend?userId=${knownUser}&k=5` })]
    for (const res of [first, second]) {
      assert.equal(res.statusCode, 200)
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
      assert.equal(res.headers['x-model-version'], '0')
      assert.equal(res.headers['x-recommendation-id'], res.json<{ recommendationId: string }>().recommendationId)
    }
    assert.notEqual(first.headers['x-recommendation-id'], second.headers['x-recommendation-id'])
    assert.notEqual(first.headers['x-request-id'], second.headers['x-request-id'])
    assert.deepEqual(second.json<Body>().items, first.json<Body>().items)
  })

  it('answers a genre list with an empty name 400 on GET and POST, with the field', async (t) => {
    const { app } = await build(t)
    const get = await app.inject({ url: '/recommend?userId=nobody&genres=Drama,%20' })
    assert.equal(get.statusCode, 400)
    assert.deepEqual(get.json(), { statusCode: 400, code: 'INVALID_REQUEST', field: 'genres', message: 'genres has an empty genre name' })
    assert.ok(get.headers['x-request-id'])
    const post = await app.inject({ method: 'POST', url: '/recommend', payload: { userId: 'nobody', filter: { genres: [' '] } } })
    assert.equal(post.statusCode, 400)
    assert.deepEqual(post.json(), { statusCode: 400, code: 'INVALID_REQUEST', field: 'filter.genres', message: 'filter.genres has an empty genre name' })
  })

  it('answers a body with neither userId nor history 400 from the synchronous handler', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ method: 'POST', url: '/recommend', payload: { k: 3 } })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json<{ code: string, field: string }>().field, 'userId')
  })
})
