import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { assertAnswer, assertErrorBody, SECRET, type Case } from './hostile/case.js'
import { adminCases, docsCases, headerCases, mediaCases, methodCases, routeCases } from './hostile/edge-cases.js'
import { queryCases } from './hostile/query-cases.js'
import { rawCases } from './hostile/raw-cases.js'
import { recommendBodyCases } from './hostile/recommend-body-cases.js'
import { batchCases, EVENT_USERS, eventCases } from './hostile/write-cases.js'
import { listen, sendRaw } from './raw-http.js'
import { buildSuiteApp, loggedEvents, type SuiteApp } from './suite-app.js'

/**
 * The hostile-input catalogue: every route, header, method and body shape an attacker or a broken
 * client might send, each answered with its status and the error shape (no stack, no secret), and
 * none of them recording anything.
 */
const ENV = { ADMIN_TOKEN: SECRET, HEADERS_TIMEOUT_MS: '300', REQUEST_TIMEOUT_MS: '600' }

async function assertNothingRecorded (built: SuiteApp): Promise<void> {
  assert.deepEqual(await loggedEvents(built), [], 'the event log changed')
  for (const userId of EVENT_USERS) assert.deepEqual(await built.services.history.recent(userId, 10), [], `${userId} got a history`)
}

function catalogue (title: string, cases: Case[]): void {
  describe(title, () => {
    let built: SuiteApp
    before(async () => { built = await buildSuiteApp(ENV) })
    after(async () => await built.close())

    for (const c of cases) {
      it(c.name, async () => {
        const res = await built.app.inject(c.request)
        assertAnswer(res, c)
        await assertNothingRecorded(built)
      })
    }

    it('logged no error and no stack for any of them', () => {
      assert.deepEqual(built.logs.filter(l => l.level >= 50 || l.err !== undefined), [])
    })
  })
}

catalogue('GET /recommend query strings', queryCases)
catalogue('POST /recommend bodies', recommendBodyCases)
catalogue('POST /recommend/batch bodies', batchCases)
catalogue('POST /events bodies', eventCases)
catalogue('Content-Type, charsets and Content-Encoding', mediaCases)
catalogue('X-Request-Id and Accept', headerCases)
catalogue('wrong methods on known paths', methodCases)
catalogue('unknown and undecodable paths', routeCases)
catalogue('admin paths without a token', adminCases)
catalogue('the API docs\' static files', docsCases)

describe('raw HTTP on a socket', () => {
  let built: SuiteApp
  let port: number
  before(async () => {
    built = await buildSuiteApp(ENV)
    port = await listen(built.app)
  })
  after(async () => await built.close())

  for (const c of rawCases) {
    it(c.name, async () => {
      const res = await sendRaw(port, c.text, { timeoutMs: 3000, ...c.options })
      assert.ok(res, 'no answer')
      assert.equal(res.status, c.status, res.raw.slice(0, 300))
      assert.match(res.headers['content-type'] ?? '', /^application\/json/)
      assert.ok(!res.body.includes(SECRET))
      assertErrorBody(JSON.parse(res.body), c.status, c.code)
      await assertNothingRecorded(built)
    })
  }

  it('logged no error and no stack for any of them', () => {
    assert.deepEqual(built.logs.filter(l => l.level >= 50 || l.err !== undefined), [])
  })
})

describe('the catalogue', () => {
  it('holds at least 150 cases', () => {
    const total = [queryCases, recommendBodyCases, batchCases, eventCases, mediaCases, headerCases, methodCases, routeCases, adminCases, docsCases, rawCases]
      .reduce((sum, cases) => sum + cases.length, 0)
    assert.ok(total >= 150, `${total} cases`)
  })
})
