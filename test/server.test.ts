import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer } from './integration/server-process.js'

describe('the server process', () => {
  it('starts with no configuration, serves, and stops cleanly on SIGTERM', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'distillrec-server-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    const { port, child, lines } = await startServer({ EVENT_LOG_PATH: join(dir, 'events.jsonl') })
    const res = await fetch(`http://127.0.0.1:${port}/recommend?userId=u1&k=3`)
    assert.equal(res.status, 200)
    assert.equal((await res.json() as { items: unknown[] }).items.length, 3)
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    const [code] = await exited
    assert.equal(code, 0)
    const requestLine = lines.map(l => JSON.parse(l) as Record<string, unknown>).find(l => l.msg === 'incoming request')
    assert.ok(requestLine?.reqId, 'request log lines carry a request id')
  })

  it('refuses to start on an invalid variable, naming it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env: { ...process.env, PORT: 'abc' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const [code] = await once(child, 'exit')
    assert.equal(code, 2)
    assert.match(stderr, /PORT must be an integer from 0 to 65535, got "abc"/)
  })
})
