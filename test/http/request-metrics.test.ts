import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SECRET } from './hostile/case.js'
import { listen, sendRaw } from './raw-http.js'
import { buildSuiteApp, type SuiteApp } from './suite-app.js'

/** The request-duration series, as `route method status` strings with their counts. */
async function series (built: SuiteApp): Promise<Map<string, number>> {
  const text = (await built.app.inject({ url: '/metrics' })).body
  const found = new Map<string, number>()
  for (const [, route, method, status, count] of text.matchAll(/^distillrec_http_request_duration_seconds_count\{route="([^"]*)",method="([^"]*)",status_code="(\d+)"\} (\d+)$/gm)) {
    found.set(`${route} ${method} ${status}`, Number(count))
  }
  return found
}

// Node's parser accepts all of these; each would be a label value of its own without the mapping
const UNUSUAL = ['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT', 'MKACTIVITY', 'CHECKOUT', 'MERGE',
  'M-SEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PURGE', 'LINK', 'UNLINK', 'BIND', 'REBIND', 'UNBIND', 'ACL', 'SOURCE']

describe('request metrics', () => {
  let built: SuiteApp
  before(async () => { built = await buildSuiteApp({ ADMIN_TOKEN: SECRET }) })
  after(async () => await built.close())

  it('counts a URL the router refuses (an over-long path parameter, a bad escape) like any other answer', async () => {
    await built.app.inject({ url: `/admin/jobs/${'a'.repeat(101)}` })
    await built.app.inject({ method: 'DELETE', url: `/admin/jobs/${'a'.repeat(101)}` })
    await built.app.inject({ url: '/%zz' })
    const counted = await series(built)
    assert.equal(counted.get('unmatched GET 414'), 1)
    assert.equal(counted.get('unmatched DELETE 414'), 1)
    assert.equal(counted.get('unmatched GET 400'), 1)
    assert.deepEqual(built.logs.filter((l) => l.level >= 50), [], 'no error lines')
  })

  it('gives unusual methods one label value, so a scan cannot add series', async () => {
    const before = (await series(built)).size
    for (const method of UNUSUAL) {
      for (const url of ['/recommend', '/nope', '/admin/jobs']) await built.app.inject({ method: method as 'GET', url })
    }
    const after = await series(built)
    const methods = new Set([...after.keys()].map((key) => key.split(' ')[1]))
    assert.ok(!UNUSUAL.some((m) => methods.has(m)), [...methods].join(', '))
    assert.ok(after.size - before <= 3, `${after.size - before} new series for ${UNUSUAL.length * 3} requests`)
    assert.equal(after.get('unmatched OTHER 405'), 2 * UNUSUAL.length)
    assert.equal(after.get('unmatched OTHER 404'), UNUSUAL.length)
  })

  it('answers and counts CONNECT', async () => {
    const port = await listen(built.app)
    const res = await sendRaw(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n')
    assert.equal(res?.status, 400)
    assert.equal((await series(built)).get('unmatched CONNECT 400'), 1)
  })
})
