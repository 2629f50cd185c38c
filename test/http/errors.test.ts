import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { STATUS_CODES } from 'node:http'
import { fileURLToPath } from 'node:url'
import { ERROR_CODES, toConnectionErrorBody, toErrorBody } from '../../src/errors.js'
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

describe('every route answers a wrong method with 405 and an Allow header', () => {
  const known: Array<[string, string, string]> = [
    ['PUT', '/recommend', 'GET, HEAD, POST'],
    ['DELETE', '/recommend/batch', 'POST'],
    ['PATCH', '/events', 'POST'],
    ['GET', '/events', 'POST'],
    ['OPTIONS', '/health/live', 'GET, HEAD'],
    ['POST', '/metrics', 'GET, HEAD']
  ]
  for (const [method, url, allow] of known) {
    it(`${method} ${url} -> 405 METHOD_NOT_ALLOWED, Allow: ${allow}`, async (t) => {
      const { app } = await build(t)
      const res = await app.inject({ method: method as 'GET', url })
      assert.equal(res.statusCode, 405)
      assert.equal(res.headers.allow, allow)
      assert.equal(res.json<ErrorBody>().code, 'METHOD_NOT_ALLOWED')
    })
  }
})

describe('bodies are UTF-8 JSON, uncompressed', () => {
  const refused: Array<[string, Record<string, string>]> = [
    ['Content-Encoding: gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
    ['Content-Encoding: br', { 'content-type': 'application/json', 'content-encoding': 'br' }],
    ['charset=latin1', { 'content-type': 'application/json; charset=latin1' }],
    ['charset="utf-16"', { 'content-type': 'application/json; charset="utf-16"' }]
  ]
  for (const [name, headers] of refused) {
    it(`answers ${name} with 415 and records nothing`, async (t) => {
      const { app, services } = await build(t)
      const res = await app.inject({ method: 'POST', url: '/events', headers, payload: '{"userId":"u","itemId":"i"}' })
      assert.equal(res.statusCode, 415)
      assert.equal(res.json<ErrorBody>().code, 'UNSUPPORTED_MEDIA_TYPE')
      assert.deepEqual(await services.history.recent('u', 5), [])
    })
  }

  it('accepts charset=utf-8 and Content-Encoding: identity', async (t) => {
    const { app } = await build(t)
    const headers = { 'content-type': 'application/json; charset=UTF-8', 'content-encoding': 'identity' }
    const res = await app.inject({ method: 'POST', url: '/events', headers, payload: '{"userId":"u","itemId":"i"}' })
    assert.equal(res.statusCode, 202)
  })
})

describe('bodies carry JSON types: nothing is coerced', () => {
  const loose: Array<[string, string, object, string]> = [
    ['a numeric userId', '/recommend', { userId: 123 }, 'userId'],
    ['a string history', '/recommend', { history: 'i3' }, 'history'],
    ['a boolean k', '/recommend', { userId: 'u', k: true }, 'k'],
    ['a string excludeSeen', '/recommend', { userId: 'u', excludeSeen: 'false' }, 'excludeSeen'],
    ['a string ts', '/events', { userId: 'u', itemId: 'i', ts: '1732870000000' }, 'events.0.ts']
  ]
  for (const [name, url, payload, field] of loose) {
    it(`rejects ${name} on POST ${url} with 400 naming ${field}`, async (t) => {
      const { app } = await build(t)
      const res = await app.inject({ method: 'POST', url, payload })
      assert.equal(res.statusCode, 400, res.body)
      assert.equal(res.json<ErrorBody>().field, field)
    })
  }

  it('refuses a __proto__ key outright (400 INVALID_JSON) rather than let it reach an object', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ method: 'POST', url: '/recommend', headers: { 'content-type': 'application/json' }, payload: '{"userId":"u","__proto__":{"k":1}}' })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json<ErrorBody>().code, 'INVALID_JSON')
  })
})

describe('errors raised below the routes have the same shape', () => {
  it('answers an undecodable URL with 400 BAD_REQUEST', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ url: '/%zz' })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(Object.keys(res.json()).sort(), ['code', 'message', 'statusCode'])
    assert.equal(res.json<ErrorBody>().code, 'BAD_REQUEST')
  })

  it('maps any other 4xx from a lower layer to a code for its status, never to 500', () => {
    assert.deepEqual(toErrorBody(Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 })),
      { statusCode: 400, code: 'BAD_REQUEST', message: 'Bad Request' })
  })

  // The statuses the layers below ours can raise, read from their sources so that an upgrade that
  // adds one shows up here: Fastify's errors and routing, @fastify/send and @fastify/static (the
  // docs' files), @fastify/rate-limit; plus Node's own (400, 408, 431 on a connection).
  const LOWER_LAYERS = ['fastify/lib/errors.js', 'fastify/fastify.js', 'fastify/lib/handle-request.js', 'fastify/lib/content-type-parser.js',
    '@fastify/send/lib/send.js', '@fastify/static/index.js', '@fastify/rate-limit/index.js']
  it('gives every 4xx status Fastify and its plugins can raise a code of its own with that status', async () => {
    const statuses = new Set([408, 431])
    for (const file of LOWER_LAYERS) {
      const source = await readFile(fileURLToPath(import.meta.resolve(`../../node_modules/${file}`)), 'utf8')
      for (const [status] of source.matchAll(/\b4\d\d\b/g)) statuses.add(Number(status))
    }
    assert.ok([403, 412, 414, 416, 429].every((s) => statuses.has(s)), `read ${[...statuses].join(', ')}`)
    for (const status of statuses) {
      const body = toErrorBody(Object.assign(new Error('from below'), { statusCode: status }))
      assert.equal(body.statusCode, status, `${status} -> ${JSON.stringify(body)}`)
      assert.equal(ERROR_CODES[body.code], status)
    }
  })

  it('answers a 4xx status nobody listed with 400, and a 5xx from below with 500, without details', () => {
    for (const status of Object.keys(STATUS_CODES).map(Number).filter((s) => s >= 400 && s < 500)) {
      assert.ok(toErrorBody(Object.assign(new Error('x'), { statusCode: status })).statusCode < 500, String(status))
    }
    assert.deepEqual(toErrorBody(Object.assign(new Error('teapot'), { statusCode: 418 })), { statusCode: 400, code: 'BAD_REQUEST', message: 'Bad Request' })
    assert.deepEqual(toErrorBody(Object.assign(new Error('disk /work/x failed'), { statusCode: 502 })), { statusCode: 500, code: 'INTERNAL', message: 'internal error' })
  })

  it('never echoes the path in the message of a URL the router refuses', () => {
    const long = `/admin/jobs/${'a'.repeat(5000)}`
    for (const code of ['FST_ERR_MAX_PARAM_LENGTH', 'FST_ERR_BAD_URL']) {
      const body = toErrorBody(Object.assign(new Error(`'${long}' is bad`), { code, statusCode: 400 }))
      assert.ok(!body.message.includes('aaaa') && body.message.length < 100, body.message)
    }
  })

  it('answers connection-level errors in the error shape', () => {
    assert.equal(toConnectionErrorBody({ code: 'ERR_HTTP_REQUEST_TIMEOUT' }).code, 'REQUEST_TIMEOUT')
    assert.equal(toConnectionErrorBody({ code: 'HPE_HEADER_OVERFLOW' }).statusCode, 431)
    assert.deepEqual(toConnectionErrorBody({ code: 'HPE_INVALID_METHOD' }), { statusCode: 400, code: 'BAD_REQUEST', message: 'the request is not valid HTTP' })
  })
})

describe('X-Request-Id', () => {
  it('echoes a short id of a safe charset', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ url: '/health/live', headers: { 'x-request-id': 'edge-42.a:b_c' } })
    assert.equal(res.headers['x-request-id'], 'edge-42.a:b_c')
  })

  for (const [name, id] of [['15 KB', 'x'.repeat(15_000)], ['129 characters', 'a'.repeat(129)], ['a space', 'a b'], ['markup', '<script>'], ['non-ASCII', 'é']]) {
    it(`replaces an id with ${name} by a generated one`, async (t) => {
      const { app } = await build(t)
      const res = await app.inject({ url: '/health/live', headers: { 'x-request-id': id } })
      assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/)
    })
  }
})
