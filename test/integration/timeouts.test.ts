import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { closedWithin, rawConnection, startServer } from './server-process.js'

describe('connection timeouts of the server process', () => {
  it('holds the headers and request timeouts within about a second, not at the next 30 s check', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'distillrec-timeouts-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    const { port, child } = await startServer({ EVENT_LOG_PATH: join(dir, 'events.jsonl'), HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' })
    t.after(() => { child.kill('SIGKILL') })

    const idle = await rawConnection(port)
    const slowHeaders = await rawConnection(port)
    const slowBody = await rawConnection(port)
    slowHeaders.socket.write('GET /recommend?userId=u1 HTTP/1.1\r\nHost: localhost\r\n')
    slowBody.socket.write('POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n[')
    const trickle = setInterval(() => {
      if (!slowHeaders.socket.destroyed) slowHeaders.socket.write('X-Slow: 1\r\n')
      if (!slowBody.socket.destroyed) slowBody.socket.write(' ')
    }, 200)
    t.after(() => clearInterval(trickle))

    const [idleMs, headersMs, bodyMs] = await Promise.all([closedWithin(idle, 5000), closedWithin(slowHeaders, 5000), closedWithin(slowBody, 6000)])
    assert.ok(idleMs >= 900 && idleMs <= 2100, `idle connection closed after ${idleMs.toFixed(0)} ms (headers timeout 1000)`)
    assert.ok(headersMs >= 900 && headersMs <= 2100, `slow headers closed after ${headersMs.toFixed(0)} ms (headers timeout 1000)`)
    assert.ok(bodyMs >= 1900 && bodyMs <= 3100, `slow body closed after ${bodyMs.toFixed(0)} ms (request timeout 2000)`)
    assert.match(slowBody.received(), /^HTTP\/1\.1 408/)
  })
})
