import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import type { Job } from '../../src/stores/job.js'
import type { StudentVersionInfo } from '../../src/versions/version-list.js'
import { auth, buildHarness, saveFixture, TOKEN, type Harness } from '../worker/harness.js'

/** No worker runs here: a submitted job stays queued and holds the run lock. */
async function jobs (h: Harness): Promise<Job[]> {
  const res = await h.app.inject({ url: '/admin/jobs', headers: auth })
  assert.equal(res.statusCode, 200, res.body)
  return res.json<{ jobs: Job[] }>().jobs
}

async function withStudent (t: TestContext, env: Record<string, string> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-admin-'))
  t.after(async () => await rm(dir, { recursive: true, force: true }))
  await saveFixture(join(dir, 'models'))
  return await buildHarness(t, env, dir)
}

const ROUTES = [
  { method: 'POST', url: '/admin/redistill', payload: {} },
  { method: 'GET', url: '/admin/jobs' },
  { method: 'GET', url: `/admin/jobs/${randomUUID()}` },
  { method: 'DELETE', url: `/admin/jobs/${randomUUID()}` },
  { method: 'GET', url: '/admin/models' },
  { method: 'POST', url: '/admin/models/1/activate' },
  { method: 'GET', url: '/admin/report' }
] as const

describe('the admin API', () => {
  it('does not exist without ADMIN_TOKEN', async (t) => {
    const h = await buildHarness(t, { ADMIN_TOKEN: '' })
    assert.equal(h.config.adminToken, undefined)
    for (const route of ROUTES) {
      const res = await h.app.inject({ ...route, headers: auth })
      assert.equal(res.statusCode, 404, `${route.method} ${route.url}`)
      assert.equal(res.json().code, 'NOT_FOUND')
      assert.equal(res.headers['www-authenticate'], undefined)
    }
    assert.equal(await h.services.control.list(10).then((l) => l.length), 0)
  })

  it('answers 401 with a Bearer challenge to a missing, malformed or wrong token, and never logs a token', async (t) => {
    const h = await buildHarness(t, { LOG_LEVEL: 'trace' })
    const wrong = 'not-the-admin-token-but-long-enough'
    const attempts: Array<[string, Record<string, string>]> = [
      ['missing', {}],
      ['malformed', { authorization: `Basic ${TOKEN}` }],
      ['malformed', { authorization: `Bearer ${TOKEN} extra` }],
      ['wrong', { authorization: `Bearer ${wrong}` }],
      ['wrong', { authorization: `Bearer ${TOKEN}x` }],
      ['wrong', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }]
    ]
    for (const [failure, headers] of attempts) {
      for (const route of ROUTES) {
        const res = await h.app.inject({ ...route, headers })
        assert.equal(res.statusCode, 401, `${failure}: ${route.method} ${route.url}: ${res.body}`)
        assert.equal(res.json().code, 'UNAUTHORIZED')
        assert.match(String(res.headers['www-authenticate']), /^Bearer realm="/)
      }
    }
    // nothing ran: no job was created by the refused POSTs
    assert.equal((await jobs(h)).length, 0)
    // a refused body is not even validated: 401 before 400
    const bad = await h.app.inject({ method: 'POST', url: '/admin/redistill', payload: { epochs: 0 } })
    assert.equal(bad.statusCode, 401)

    const ok = await h.app.inject({ url: '/admin/models', headers: auth })
    assert.equal(ok.statusCode, 200)

    const failures = h.logs.filter((line) => line.includes('admin authentication failed'))
    assert.equal(failures.length, attempts.length * ROUTES.length + 1)
    assert.deepEqual(new Set(failures.map((line) => JSON.parse(line).failure)), new Set(['missing', 'malformed', 'wrong']))
    for (const line of h.logs) {
      assert.ok(!line.includes(TOKEN.slice(0, 12)), `the admin token reached the log: ${line}`)
      assert.ok(!line.includes(wrong), `a presented token reached the log: ${line}`)
    }
  })

  it('answers 429 with Retry-After past ADMIN_RATE_LIMIT authenticated requests a minute, and leaves other routes alone', async (t) => {
    const h = await buildHarness(t, { ADMIN_RATE_LIMIT: '5' })
    for (let i = 0; i < 5; i++) assert.equal((await h.app.inject({ url: '/admin/jobs', headers: auth })).statusCode, 200)
    const limited = await h.app.inject({ url: '/admin/jobs', headers: auth })
    assert.equal(limited.statusCode, 429, limited.body)
    assert.equal(limited.json().code, 'TOO_MANY_REQUESTS')
    const retryAfter = Number(limited.headers['retry-after'])
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60, `retry-after ${limited.headers['retry-after']}`)
    assert.equal((await h.app.inject({ method: 'POST', url: '/admin/redistill', headers: auth, payload: {} })).statusCode, 429)
    assert.equal((await h.services.control.list(10)).length, 0)
    assert.equal((await h.app.inject({ url: '/recommend?userId=u1' })).statusCode, 200)
    assert.equal((await h.app.inject({ url: '/health/ready' })).statusCode, 200)
  })

  it('limits failed authentications per address, apart from the token\'s budget: a guesser behind the same NAT cannot lock the operator out', async (t) => {
    const h = await buildHarness(t, { ADMIN_RATE_LIMIT: '5', ADMIN_AUTH_FAILURE_LIMIT: '3' })
    const guess = { authorization: 'Bearer guessing-the-token-000' }
    const nat = '203.0.113.7'
    for (let i = 0; i < 3; i++) assert.equal((await h.app.inject({ url: '/admin/jobs', headers: guess, remoteAddress: nat })).statusCode, 401)
    const blocked = await h.app.inject({ url: '/admin/jobs', headers: guess, remoteAddress: nat })
    assert.equal(blocked.statusCode, 429, blocked.body)
    assert.equal(blocked.json().code, 'TOO_MANY_REQUESTS')
    assert.ok(Number(blocked.headers['retry-after']) > 0 && Number(blocked.headers['retry-after']) <= 60)
    // a missing token from the blocked address is refused the same way; another address still gets its 401
    assert.equal((await h.app.inject({ url: '/admin/models', remoteAddress: nat })).statusCode, 429)
    assert.equal((await h.app.inject({ url: '/admin/jobs', headers: guess, remoteAddress: '198.51.100.1' })).statusCode, 401)
    // the operator, from the very same address, is served: wrong tokens spent none of the token's budget
    for (let i = 0; i < 5; i++) {
      const res = await h.app.inject({ url: '/admin/jobs', headers: auth, remoteAddress: nat })
      assert.equal(res.statusCode, 200, `request ${i + 1}: ${res.body}`)
    }
  })

  it('takes the Bearer scheme in any case and with more than one space (RFC 9110), and nothing looser', async (t) => {
    const h = await buildHarness(t)
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      assert.equal((await h.app.inject({ url: '/admin/jobs', headers: { authorization: `${scheme} ${TOKEN}` } })).statusCode, 200, scheme)
    }
    assert.equal((await h.app.inject({ url: '/admin/jobs', headers: { authorization: `Bearer   ${TOKEN}` } })).statusCode, 200)
    for (const header of [`Bearer${TOKEN}`, `Bearer\t${TOKEN}`, `Bearers ${TOKEN}`, `Token ${TOKEN}`, TOKEN]) {
      assert.equal((await h.app.inject({ url: '/admin/jobs', headers: { authorization: header } })).statusCode, 401, JSON.stringify(header))
    }
  })

  it('accepts a run with 202 and refuses a second one while the first is queued with 409 and its jobId', async (t) => {
    const h = await buildHarness(t)
    const first = await h.app.inject({ method: 'POST', url: '/admin/redistill', headers: auth, payload: { epochs: 3, teacher: 'reuse', losses: ['task', 'kd'], temperature: 2, kdWeighting: 'confidence', force: true } })
    assert.equal(first.statusCode, 202, first.body)
    const { jobId, state } = first.json<{ jobId: string, state: string }>()
    assert.equal(state, 'queued')
    assert.equal(first.headers.location, `/admin/jobs/${jobId}`)

    const second = await h.app.inject({ method: 'POST', url: '/admin/redistill', headers: auth })
    assert.equal(second.statusCode, 409, second.body)
    assert.equal(second.json().code, 'CONFLICT')
    assert.equal(second.json().jobId, jobId)
    assert.deepEqual((await jobs(h)).map((j) => j.id), [jobId])

    const shown = (await h.app.inject({ url: `/admin/jobs/${jobId}`, headers: auth })).json<Job>()
    assert.deepEqual(shown.request, { epochs: 3, teacher: 'reuse', losses: ['task', 'kd'], temperature: 2, kdWeighting: 'confidence', force: true, trigger: 'admin' })
    assert.equal(shown.state, 'queued')

    // cancelling the queued job frees the lock at once; a finished job cannot be cancelled again
    const cancel = await h.app.inject({ method: 'DELETE', url: `/admin/jobs/${jobId}`, headers: auth })
    assert.equal(cancel.statusCode, 202, cancel.body)
    assert.equal(cancel.json<Job>().state, 'cancelled')
    assert.equal((await h.app.inject({ method: 'DELETE', url: `/admin/jobs/${jobId}`, headers: auth })).statusCode, 409)
    const third = await h.app.inject({ method: 'POST', url: '/admin/redistill', headers: auth })
    assert.equal(third.statusCode, 202, third.body)
  })

  it('answers 400 to a bad request body and creates no job', async (t) => {
    const h = await buildHarness(t)
    const bodies: unknown[] = [
      { unknown: 1 },
      { epochs: 0 },
      { epochs: 1.5 },
      { epochs: 1001 },
      { epochs: '3' },
      { teacher: 'x' },
      { losses: [] },
      { losses: ['task', 'task'] },
      { losses: ['mse'] },
      { temperature: 0 },
      { kdWeighting: 'entropy' },
      { force: 'yes' },
      [],
      'epochs=3'
    ]
    for (const payload of bodies) {
      const res = await h.app.inject({ method: 'POST', url: '/admin/redistill', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify(payload) })
      assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`)
      assert.equal(res.json().code, 'INVALID_REQUEST')
    }
    const broken = await h.app.inject({ method: 'POST', url: '/admin/redistill', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"epochs":' })
    assert.equal(broken.statusCode, 400, broken.body)
    assert.equal((await jobs(h)).length, 0)
    // the lock was never taken
    assert.equal((await h.app.inject({ method: 'POST', url: '/admin/redistill', headers: auth, payload: { epochs: 1 } })).statusCode, 202)
  })

  it('answers 404 to an unknown job and 400 to a malformed job id', async (t) => {
    const h = await buildHarness(t)
    for (const method of ['GET', 'DELETE'] as const) {
      const unknown = await h.app.inject({ method, url: `/admin/jobs/${randomUUID()}`, headers: auth })
      assert.equal(unknown.statusCode, 404, unknown.body)
      assert.equal(unknown.json().code, 'NOT_FOUND')
      for (const id of ['abc', '1', `${randomUUID()}0`, '..%2F..%2Fetc']) {
        const malformed = await h.app.inject({ method, url: `/admin/jobs/${id}`, headers: auth })
        assert.equal(malformed.statusCode, 400, `${method} ${id}: ${malformed.body}`)
        assert.equal(malformed.json().code, 'INVALID_REQUEST')
      }
    }
  })

  it('lists student versions with their state and figures, and refuses to activate an unknown or malformed version', async (t) => {
    const h = await withStudent(t)
    const res = await h.app.inject({ url: '/admin/models', headers: auth })
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json<{ serving: { version: number, kind: string }, versions: StudentVersionInfo[] }>()
    assert.deepEqual(body.serving, { version: 1, kind: 'student' })
    assert.equal(body.versions.length, 1)
    const [v1] = body.versions
    assert.equal(v1.version, 1)
    assert.equal(v1.state, 'active')
    assert.deepEqual(v1.sources, ['disk'])
    assert.equal(v1.items, 300)
    assert.ok(!Number.isNaN(Date.parse(v1.created ?? '')))
    assert.equal(v1.teacherVersion, null)

    const unknown = await h.app.inject({ method: 'POST', url: '/admin/models/99/activate', headers: auth })
    assert.equal(unknown.statusCode, 404, unknown.body)
    for (const version of ['0', 'abc', '-1', '1.5', '01']) {
      const malformed = await h.app.inject({ method: 'POST', url: `/admin/models/${version}/activate`, headers: auth })
      assert.equal(malformed.statusCode, 400, `${version}: ${malformed.body}`)
    }
    const same = await h.app.inject({ method: 'POST', url: '/admin/models/1/activate', headers: auth })
    assert.equal(same.statusCode, 200, same.body)
    assert.deepEqual(same.json(), { version: 1, previous: 1 })
  })

  it('serves the model report as one self-contained HTML page with the active version marked', async (t) => {
    const h = await withStudent(t)
    const res = await h.app.inject({ url: '/admin/report', headers: auth })
    assert.equal(res.statusCode, 200, res.body)
    assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/)
    assert.equal(res.headers['content-security-policy'], "default-src 'none'; style-src 'unsafe-inline'")
    assert.match(res.body, /^<!doctype html>/)
    assert.match(res.body, /<tr class="active"><td>student<\/td><td>[^<]*1/)
    assert.doesNotMatch(res.body, /<script/i)

    const empty = await buildHarness(t)
    const none = await empty.app.inject({ url: '/admin/report', headers: auth })
    assert.equal(none.statusCode, 200, none.body)
    assert.match(none.body, /No model versions under/)
  })

  it('lists no versions and serves popularity before any student exists', async (t) => {
    const h = await buildHarness(t)
    const body = (await h.app.inject({ url: '/admin/models', headers: auth })).json()
    assert.deepEqual(body, { serving: { version: 0, kind: 'popular' }, versions: [], teachers: [], retention: { keepVersions: 5 }, online: [] })
  })
})
