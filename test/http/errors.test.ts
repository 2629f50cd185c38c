import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { build } from '../helper.js'

interface ErrorBody { statusCode: number, code: string, message: string, field?: string }

describe('bad input gets a clear 4xx and changes nothing', () => {
  const badQueries: Array<[string, string, RegExp]> = [
    ['k below 1', 'userId=u&k=0', /k must be >= 1/],
    ['k above MAX_K', 'userId=u&k=101', /k must be <= 100/],
    ['non-integer k', 'userId=u&k=2.5', /k must be integer/],
    ['non-numeric k', 'userId=u&k=ten', /k must be integer/],
    ['missing userId', 'k=3', /userId/],
    ['empty userId', 'userId=&k=3', /userId must NOT have fewer than 1 characters/],
    ['over-long userId', `userId=${'x'.repeat(129)}`, /userId must NOT have more than 128 characters/],
    ['unknown parameter', 'userId=u&kk=3', /additional properties/]
  ]
  for (const [name, query, message] of badQueries) {
    it(`rejects GET /recommend with ${name} (400 INVALID_REQUEST naming the field)`, async (t) => {
      const { app } = await build(t)
      const res = await app.inject({ url: `/recommend?${query}` })
      assert.equal(res.statusCode, 400)
      const body = res.json<ErrorBody>()
      assert.equal(body.code, 'INVALID_REQUEST')
      assert.match(body.message, message)
      assert.ok(body.field, 'names the field')
    })
  }

  const badBodies: Array<[string, unknown, RegExp]> = [
    ['neither userId nor history', { k: 3 }, /userId or history/],
    ['a history over MAX_HISTORY', { history: Array.from({ length: 201 }, (_, i) => `i${i}`) }, /history must NOT have more than 200 items/],
    ['an empty item id in the history', { history: [''] }, /history\.0 must NOT have fewer than 1 characters/],
    ['an exclude list over MAX_EXCLUDE', { userId: 'u', exclude: Array.from({ length: 501 }, (_, i) => `i${i}`) }, /exclude must NOT have more than 500 items/],
    ['a string k', { userId: 'u', k: 'many' }, /k must be integer/],
    ['an unknown field', { userId: 'u', count: 3 }, /additional properties/]
  ]
  for (const [name, payload, message] of badBodies) {
    it(`rejects POST /recommend with ${name}`, async (t) => {
      const { app } = await build(t)
      const res = await app.inject({ method: 'POST', url: '/recommend', payload: payload as object })
      assert.equal(res.statusCode, 400)
      assert.equal(res.json<ErrorBody>().code, 'INVALID_REQUEST')
      assert.match(res.json<ErrorBody>().message, message)
    })
  }

  it('rejects malformed JSON with 400 INVALID_JSON', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ method: 'POST', url: '/recommend', headers: { 'content-type': 'application/json' }, payload: '{"userId":' })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json<ErrorBody>().code, 'INVALID_JSON')
  })

  it('rejects a body over the size limit with 413', async (t) => {
    const { app } = await build(t, { BODY_LIMIT_BYTES: '2048' })
    const res = await app.inject({ method: 'POST', url: '/events', payload: { userId: 'u', itemId: 'x'.repeat(4096) } })
    assert.equal(res.statusCode, 413)
    assert.equal(res.json<ErrorBody>().code, 'BODY_TOO_LARGE')
  })

  it('rejects a wrong content type with 415', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ method: 'POST', url: '/recommend', headers: { 'content-type': 'text/plain' }, payload: 'userId=u' })
    assert.equal(res.statusCode, 415)
    assert.equal(res.json<ErrorBody>().code, 'UNSUPPORTED_MEDIA_TYPE')
  })

  it('answers an unknown route with 404 NOT_FOUND', async (t) => {
    const { app, services } = await build(t)
    const res = await app.inject({ url: '/nope?x=1' })
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { statusCode: 404, code: 'NOT_FOUND', message: 'route GET /nope not found' })
    const recorded = (await services.metrics.httpDuration.get()).values.find(v => v.labels.status_code === 404)
    assert.equal(recorded?.labels.route, 'unmatched')
  })

  it('never leaks a stack trace: an internal failure is a bare 500 INTERNAL', async (t) => {
    const { app, services } = await build(t)
    services.serving.recommender.recommend = async () => { throw new Error('secret detail at /srv/app.js:12') }
    const res = await app.inject({ url: '/recommend?userId=u' })
    assert.equal(res.statusCode, 500)
    assert.deepEqual(res.json(), { statusCode: 500, code: 'INTERNAL', message: 'internal error' })
    assert.ok(!res.body.includes('secret'))
  })
})
