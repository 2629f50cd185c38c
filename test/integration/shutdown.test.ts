import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { logged, nextResponse, rawConnection, startServer } from './server-process.js'

async function tempEventLog (t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-shutdown-'))
  t.after(async () => await rm(dir, { recursive: true, force: true }))
  return join(dir, 'events.jsonl')
}

describe('SIGTERM under keep-alive', () => {
  it('answers the request in flight and refuses a new one on an idle kept-alive socket, closing both, resetting none, then exits 0 in time', async (t) => {
    const server = await startServer({ EVENT_LOG_PATH: await tempEventLog(t), SHUTDOWN_TIMEOUT_MS: '5000' })
    const { port, child } = server
    t.after(() => { child.kill('SIGKILL') })

    // a kept-alive socket that has had its answer and is now idle
    const idle = await rawConnection(port)
    idle.socket.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n')
    const first = await nextResponse(idle)
    assert.equal(first.status, 200)
    assert.notEqual(first.headers.connection, 'close')

    // a request in flight: its headers are in, its body is not yet
    const busy = await rawConnection(port)
    const body = JSON.stringify({ userId: 'drain', itemId: 'i1' })
    busy.socket.write(`POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`)
    await sleep(100)

    const exited = once(child, 'exit')
    const signalled = performance.now()
    child.kill('SIGTERM')
    await logged(server, 'shutting down')

    idle.socket.write('GET /recommend?userId=u1 HTTP/1.1\r\nHost: localhost\r\n\r\n')
    const refused = await nextResponse(idle, first.end)
    assert.equal(refused.status, 503)
    assert.equal(refused.headers.connection, 'close')
    assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After on the refusal')
    assert.equal(JSON.parse(refused.body).code, 'SHUTTING_DOWN')

    await assert.rejects(fetch(`http://127.0.0.1:${port}/health/live`), 'no new connection is accepted')

    busy.socket.write(body.slice(5))
    const answered = await nextResponse(busy)
    assert.equal(answered.status, 202, 'the request in flight is answered')
    assert.equal(answered.headers.connection, 'close')

    assert.deepEqual(await idle.closed.then(({ error }) => error), undefined, 'closed by the server after its answer, not reset')
    assert.deepEqual(await busy.closed.then(({ error }) => error), undefined)
    const [code] = await exited
    assert.equal(code, 0)
    const ms = performance.now() - signalled
    assert.ok(ms < 3000, `exited ${ms.toFixed(0)} ms after SIGTERM`)
  })

  it('closes a kept-alive socket that stays idle through the drain, and exits 0', async (t) => {
    const server = await startServer({ EVENT_LOG_PATH: await tempEventLog(t), SHUTDOWN_TIMEOUT_MS: '5000' })
    const { port, child } = server
    t.after(() => { child.kill('SIGKILL') })
    const idle = await rawConnection(port)
    idle.socket.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n')
    assert.equal((await nextResponse(idle)).status, 200)
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    const [code] = await exited
    assert.equal(code, 0)
    assert.equal((await idle.closed).error, undefined)
  })
})

describe('SIGTERM with connections waiting to be accepted', () => {
  it('accepts the connections queued at the signal and answers each (202 or 503 SHUTTING_DOWN), resetting none', async (t) => {
    const server = await startServer({ EVENT_LOG_PATH: await tempEventLog(t), SHUTDOWN_TIMEOUT_MS: '5000' })
    const { port, child } = server
    t.after(() => { child.kill('SIGCONT'); child.kill('SIGKILL') })
    // stopped, the server accepts nothing: the kernel completes each handshake and queues it
    child.kill('SIGSTOP')
    const queued = await Promise.all(Array.from({ length: 64 }, async (_, i) => {
      const raw = await rawConnection(port)
      const body = JSON.stringify({ userId: `queued-${i}`, itemId: 'i1' })
      raw.socket.write(`POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
      return raw
    }))
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    child.kill('SIGCONT')
    const outcomes = await Promise.all(queued.map(async (raw) => {
      const { error } = await raw.closed
      const status = /^HTTP\/1\.1 (\d{3})/.exec(raw.received())?.[1]
      return error ?? status ?? 'closed without an answer'
    }))
    const counts = outcomes.reduce<Record<string, number>>((all, o) => ({ ...all, [o]: (all[o] ?? 0) + 1 }), {})
    assert.ok(outcomes.every((o) => o === '202' || o === '503'), JSON.stringify(counts))
    const [code] = await exited
    assert.equal(code, 0)
  })
})

describe('npm start', () => {
  it('hands SIGTERM to the server, which stops and frees its port', async (t) => {
    const server = await startServer({ EVENT_LOG_PATH: await tempEventLog(t) }, 'npm')
    const { port, child } = server
    // the whole process group: a server npm failed to stop must not outlive the test
    t.after(() => { try { process.kill(-(child.pid ?? 0), 'SIGKILL') } catch {} })
    assert.equal((await fetch(`http://127.0.0.1:${port}/health/live`)).status, 200)
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    await exited
    await logged(server, 'stopped', 5000)
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health/live`), 'nothing listens on the port any more')
  })
})
