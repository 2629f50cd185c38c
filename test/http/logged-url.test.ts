import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { loggedUrl } from '../../src/http/logged-url.js'
import { SECRET } from './hostile/case.js'
import { buildSuiteApp, type SuiteApp } from './suite-app.js'

describe('loggedUrl', () => {
  it('never keeps an admin route\'s query string', () => {
    assert.equal(loggedUrl(`/admin/jobs?token=${SECRET}`), '/admin/jobs?[redacted]')
    assert.equal(loggedUrl('/admin/models/2/activate?x=1'), '/admin/models/2/activate?[redacted]')
    assert.equal(loggedUrl('/admin?a'), '/admin?[redacted]')
  })

  it('replaces the values of secret-looking parameters elsewhere, whatever their case or escapes, and keeps the rest', () => {
    assert.equal(loggedUrl('/recommend?userId=u1&token=abc&k=3'), '/recommend?userId=u1&token=[redacted]&k=3')
    assert.equal(loggedUrl('/recommend?API_KEY=abc&%74oken=def&Password'), '/recommend?API_KEY=[redacted]&%74oken=[redacted]&Password=[redacted]')
    assert.equal(loggedUrl('/recommend?userId=u1&k=3'), '/recommend?userId=u1&k=3')
    assert.equal(loggedUrl('/recommend?userId=%zz'), '/recommend?userId=%zz')
    assert.equal(loggedUrl('/health/live'), '/health/live')
  })
})

describe('the request log', () => {
  let built: SuiteApp
  before(async () => { built = await buildSuiteApp({ ADMIN_TOKEN: SECRET }) })
  after(async () => await built.close())

  it('shows no token sent in a query string, on any route, at any level', async () => {
    await built.app.inject({ url: `/admin/jobs?token=${SECRET}` })
    await built.app.inject({ url: `/admin/jobs/${'a'.repeat(101)}?token=${SECRET}` })
    await built.app.inject({ url: `/recommend?userId=u1&access_token=${SECRET}` })
    await built.app.inject({ url: `/nope?token=${SECRET}` })
    const lines = built.logs.map((line) => JSON.stringify(line))
    assert.ok(lines.some((line) => line.includes('/admin/jobs?[redacted]')), 'the admin request is logged, without its query')
    for (const line of lines) assert.ok(!line.includes(SECRET.slice(0, 20)), `the token reached the log: ${line.slice(0, 300)}`)
  })
})
