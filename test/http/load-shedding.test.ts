import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildSuiteApp, loggedEvents, type SuiteApp } from './suite-app.js'

const ADMIN_TOKEN = 'shedding-test-admin-token'

describe('load shedding past the heap threshold', () => {
  let built: SuiteApp
  before(async () => {
    // any heap is over one byte: pressure from the first sample on
    built = await buildSuiteApp({ ADMIN_TOKEN }, { maxHeapUsedBytes: 1, sampleIntervalMs: 10, retryAfterSeconds: 3 })
    await sleep(50)
  })
  after(async () => await built.close())

  for (const [method, url, payload] of [
    ['GET', '/recommend?userId=u1', undefined],
    ['POST', '/recommend', { userId: 'u1' }],
    ['POST', '/events', { userId: 'u1', itemId: 'i1' }],
    ['GET', '/health/ready', undefined]
  ] as const) {
    it(`answers ${method} ${url} at once with 503 OVERLOADED and Retry-After`, async () => {
      const res = await built.app.inject({ method, url, payload })
      assert.equal(res.statusCode, 503)
      assert.equal(res.headers['retry-after'], '3')
      assert.deepEqual(res.json(), { statusCode: 503, code: 'OVERLOADED', message: 'the service is overloaded; retry later' })
      assert.ok(res.headers['x-request-id'])
    })
  }

  it('records nothing a shed POST /events carried', async () => {
    await built.app.inject({ method: 'POST', url: '/events', payload: { userId: 'shed', itemId: 'i1' } })
    assert.deepEqual(await loggedEvents(built), [])
    assert.deepEqual(await built.services.history.recent('shed', 5), [])
  })

  it('keeps serving /health/live and /metrics', async () => {
    assert.equal((await built.app.inject({ url: '/health/live' })).statusCode, 200)
    const metrics = await built.app.inject({ url: '/metrics' })
    assert.equal(metrics.statusCode, 200)
    assert.match(metrics.body, /distillrec_http_request_duration_seconds_count\{[^}]*status_code="503"/)
  })

  it('serves the admin routes: an operator can still pin or roll back a shedding replica', async () => {
    const authorization = `Bearer ${ADMIN_TOKEN}`
    assert.equal((await built.app.inject({ url: '/admin/models', headers: { authorization } })).statusCode, 200)
    const activate = await built.app.inject({ method: 'POST', url: '/admin/models/999/activate', headers: { authorization } })
    assert.equal(activate.json<{ code: string }>().code, 'NOT_FOUND')
    // still authenticated: exempt from shedding, not from the token
    assert.equal((await built.app.inject({ url: '/admin/models' })).statusCode, 401)
  })
})

describe('load shedding past the event-loop delay threshold', () => {
  let built: SuiteApp
  before(async () => {
    built = await buildSuiteApp({}, { maxEventLoopDelayMs: 20, sampleIntervalMs: 200 })
  })
  after(async () => await built.close())

  it('sheds while the event loop lags and serves again once it recovers', async () => {
    assert.equal((await built.app.inject({ url: '/recommend?userId=u1' })).statusCode, 200)
    // 90 ms of every 100 ms spent in synchronous work: every timer is late
    const lagging = setInterval(() => { const until = performance.now() + 90; while (performance.now() < until); }, 100)
    try {
      await sleep(600)
      const res = await built.app.inject({ url: '/recommend?userId=u1' })
      assert.equal(res.statusCode, 503)
      assert.equal(res.json<{ code: string }>().code, 'OVERLOADED')
    } finally {
      clearInterval(lagging)
    }
    await sleep(500)
    assert.equal((await built.app.inject({ url: '/recommend?userId=u1' })).statusCode, 200)
  })
})

describe('load shedding after one block of the event loop', () => {
  let built: SuiteApp
  before(async () => {
    built = await buildSuiteApp({}, { maxEventLoopDelayMs: 150, sampleIntervalMs: 50 })
    await sleep(150)
  })
  after(async () => await built.close())

  it('sheds the sample after a block longer than the threshold, and serves again the sample after', async () => {
    assert.equal((await built.app.inject({ url: '/recommend?userId=u1' })).statusCode, 200)
    const until = performance.now() + 400
    while (performance.now() < until);
    // the sample's timer runs first: it fired 350 ms late
    await sleep(1)
    const res = await built.app.inject({ url: '/recommend?userId=u1' })
    assert.equal(res.statusCode, 503)
    assert.equal(res.json<{ code: string }>().code, 'OVERLOADED')
    await sleep(300)
    assert.equal((await built.app.inject({ url: '/recommend?userId=u1' })).statusCode, 200)
    const on = built.logs.find((l) => l.msg === 'load shedding on')
    assert.equal(on?.reason, 'eventLoopDelay')
    assert.ok((on?.eventLoopDelayMs as number) > 150, 'the reading that started it')
    assert.ok(built.logs.some((l) => l.msg === 'load shedding off'))
  })

  it('does not shed after a block shorter than the threshold that spans a whole sample', async () => {
    await sleep(200)
    const until = performance.now() + 100
    while (performance.now() < until);
    await sleep(1)
    assert.equal((await built.app.inject({ url: '/recommend?userId=u1' })).statusCode, 200)
  })
})

describe('load-shedding thresholds from the configuration (SHED_*)', () => {
  it('sheds past SHED_HEAP_USED_RATIO of the heap limit with SHED_RETRY_AFTER_S', async (t) => {
    const built = await buildSuiteApp({ SHED_HEAP_USED_RATIO: '0.000001', SHED_SAMPLE_INTERVAL_MS: '10', SHED_RETRY_AFTER_S: '7' })
    t.after(async () => await built.close())
    await sleep(50)
    const res = await built.app.inject({ url: '/recommend?userId=u1' })
    assert.equal(res.statusCode, 503)
    assert.equal(res.headers['retry-after'], '7')
  })

  it('sheds past SHED_EVENT_LOOP_UTILIZATION while the loop is busy, and serves once it idles', async (t) => {
    const built = await buildSuiteApp({ SHED_EVENT_LOOP_UTILIZATION: '0.5', SHED_SAMPLE_INTERVAL_MS: '100' })
    t.after(async () => await built.close())
    // 90 ms of every 100 ms in synchronous work: utilisation about 0.9, delay too small to matter
    const busy = setInterval(() => { const until = performance.now() + 90; while (performance.now() < until); }, 100)
    try {
      await sleep(350)
      const res = await built.app.inject({ url: '/recommend?userId=u1' })
      assert.equal(res.statusCode, 503)
      assert.equal(res.json<{ code: string }>().code, 'OVERLOADED')
    } finally {
      clearInterval(busy)
    }
    await sleep(300)
    assert.equal((await built.app.inject({ url: '/recommend?userId=u1' })).statusCode, 200)
  })

  it('does not shed the first requests after ready for start-up\'s own busy samples', async (t) => {
    const built = await buildSuiteApp({ SHED_EVENT_LOOP_UTILIZATION: '0.5', SHED_SAMPLE_INTERVAL_MS: '200' })
    t.after(async () => await built.close())
    // start-up work that goes on past ready, as listen's does: one sample reads it as saturation
    const until = performance.now() + 250
    while (performance.now() < until);
    await sleep(20)
    assert.equal((await built.app.inject({ url: '/recommend?userId=u1' })).statusCode, 200)
  })

  it('sheds nothing with every threshold at 0, however late the event loop runs', async (t) => {
    const built = await buildSuiteApp({ SHED_EVENT_LOOP_DELAY_MS: '0', SHED_EVENT_LOOP_UTILIZATION: '0', SHED_HEAP_USED_RATIO: '0', SHED_SAMPLE_INTERVAL_MS: '10' })
    t.after(async () => await built.close())
    const lagging = setInterval(() => { const until = performance.now() + 90; while (performance.now() < until); }, 100)
    try {
      await sleep(300)
      assert.equal((await built.app.inject({ url: '/recommend?userId=u1' })).statusCode, 200)
    } finally {
      clearInterval(lagging)
    }
  })
})
