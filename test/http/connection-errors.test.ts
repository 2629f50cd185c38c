import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { listen, sendRaw, type RawResponse } from './raw-http.js'
import { buildSuiteApp, loggedEvents, type SuiteApp } from './suite-app.js'

const ERROR_KEYS = ['code', 'message', 'statusCode']

function assertErrorShape (res: RawResponse | undefined, status: number, code: string): void {
  assert.ok(res, 'no response')
  assert.equal(res.status, status, res.raw)
  const body = JSON.parse(res.body) as Record<string, unknown>
  assert.deepEqual(Object.keys(body).sort(), ERROR_KEYS)
  assert.equal(body.statusCode, status)
  assert.equal(body.code, code)
}

async function counted (built: SuiteApp, statusCode: number): Promise<number> {
  const values = (await built.services.metrics.httpDuration.get()).values
  return values.filter(v => v.metricName?.endsWith('_count') && v.labels.status_code === statusCode).reduce((sum, v) => sum + v.value, 0)
}

describe('errors Node raises before a request exists get the error shape, an info log and a count', () => {
  let built: SuiteApp
  let port: number
  before(async () => {
    built = await buildSuiteApp({ HEADERS_TIMEOUT_MS: '200', REQUEST_TIMEOUT_MS: '400' })
    port = await listen(built.app)
  })
  after(async () => await built.close())

  it('answers a malformed request line with 400 BAD_REQUEST', async () => {
    assertErrorShape(await sendRaw(port, 'GARBAGE\r\n\r\n'), 400, 'BAD_REQUEST')
  })

  it('answers an HTTP/1.1 request without Host with 400 BAD_REQUEST (not an empty 400)', async () => {
    assertErrorShape(await sendRaw(port, 'GET /health/live HTTP/1.1\r\n\r\n'), 400, 'BAD_REQUEST')
  })

  it('answers headers over the size limit with 431 HEADERS_TOO_LARGE', async () => {
    const res = await sendRaw(port, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
    assertErrorShape(res, 431, 'HEADERS_TOO_LARGE')
  })

  it('answers headers that never finish with 408 REQUEST_TIMEOUT, logged at info without a stack and counted', async () => {
    const before = await counted(built, 408)
    const res = await sendRaw(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\n', { timeoutMs: 2000 })
    assertErrorShape(res, 408, 'REQUEST_TIMEOUT')
    assert.equal(await counted(built, 408), before + 1)
    const line = built.logs.find(l => l.code === 'REQUEST_TIMEOUT')
    assert.equal(line?.level, 30)
    assert.equal(line?.err, undefined)
  })

  it('answers a body that never finishes with 408, logs no error and records nothing', async () => {
    const before = await counted(built, 408)
    const errorsBefore = built.logs.filter(l => l.level >= 50).length
    const res = await sendRaw(port, 'POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"userId"', { timeoutMs: 2000 })
    assertErrorShape(res, 408, 'REQUEST_TIMEOUT')
    await sleep(50)
    assert.equal(await counted(built, 408), before + 1, 'counted once, not again as an abort')
    assert.equal(built.logs.filter(l => l.level >= 50).length, errorsBefore, 'no error-level log')
    assert.deepEqual(await loggedEvents(built), [])
  })

  it('logs a client that hangs up mid-body at info without a stack, counts it as 499 and records nothing', async () => {
    const before = await counted(built, 499)
    const errorsBefore = built.logs.filter(l => l.level >= 50).length
    await sendRaw(port, 'POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"userId"', { abortAfterMs: 50 })
    await sleep(100)
    assert.equal(await counted(built, 499), before + 1)
    assert.equal(built.logs.filter(l => l.level >= 50).length, errorsBefore, 'no error-level log')
    assert.ok(built.logs.some(l => l.msg === 'client closed the request before the answer' && l.level === 30 && l.err === undefined))
    assert.deepEqual(await loggedEvents(built), [])
  })

  it('counts a client that hangs up while its request is being served', async () => {
    const before = await counted(built, 499)
    const recommender = built.services.serving.recommender
    const recommend = recommender.recommend.bind(recommender)
    recommender.recommend = async (request) => { await sleep(200); return await recommend(request) }
    try {
      await sendRaw(port, 'GET /recommend?userId=u1 HTTP/1.1\r\nHost: x\r\n\r\n', { abortAfterMs: 50 })
      await sleep(300)
    } finally {
      recommender.recommend = recommend
    }
    assert.equal(await counted(built, 499), before + 1)
  })
})

describe('shutdown', () => {
  it('answers a request arriving while the service drains with 503 SHUTTING_DOWN in the error shape', async () => {
    const built = await buildSuiteApp()
    try {
      const port = await listen(built.app)
      // headers begun before close: the connection is busy, so close leaves it open
      const pending = sendRaw(port, 'GET /health/ready HTTP/1.1\r\nHost: x\r\n', { later: { afterMs: 100, text: '\r\n' } })
      await sleep(30)
      const closing = built.app.close()
      const res = await pending
      assertErrorShape(res, 503, 'SHUTTING_DOWN')
      assert.equal(res?.headers.connection, 'close')
      await closing
    } finally {
      await built.close()
    }
  })
})
