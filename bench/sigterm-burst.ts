/**
 * SIGTERM under a burst of new connections: the service (file event log, WORKER=off) gets N
 * concurrent POST /events, each on a connection of its own, and SIGTERM a few ms after the first
 * is sent. Prints per run what the clients saw (202, 503 SHUTTING_DOWN, refused before any byte
 * was written, reset) and whether every 202'd event is in the event log. Loopback only; bounded.
 *
 *   npm run bench:sigterm -- [--runs 13] [--requests 200] [--delay-ms 50] [--repo DIR]
 *
 * --repo runs another checkout's src/server.ts (an older commit, to compare).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { freePort } from './bench-processes.js'
import { SERVICE_NODE_FLAGS } from '../src/threads/service-flags.js'

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '13' }, requests: { type: 'string', default: '200' }, 'delay-ms': { type: 'string', default: '50' }, repo: { type: 'string', default: '.' } }
})
const RUNS = Number(values.runs)
const REQUESTS = Number(values.requests)
const DELAY_MS = Number(values['delay-ms'])
const REPO = resolve(values.repo)

type Outcome = string

async function post (port: number, body: string): Promise<Outcome> {
  return await new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/events', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume()
      res.on('end', () => resolve(String(res.statusCode)))
      res.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'))
    })
    req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })))
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'))
    req.end(body)
  })
}

async function run (index: number): Promise<Record<Outcome, number> & { lost: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-sigterm-'))
  const port = await freePort()
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--import', 'tsx', 'src/server.ts'], {
    cwd: REPO,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', WORKER: 'off', LOG_LEVEL: 'warn', SYNTHETIC_SEED: '7', EVENT_LOG_PATH: join(dir, 'events.jsonl'), MODELS_DIR: join(dir, 'models') },
    stdio: 'ignore'
  })
  try {
    for (let i = 0; ; i++) {
      if ((await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.status, () => 0)) === 200) break
      if (i > 600) throw new Error('the service did not start')
      await sleep(100)
    }
    const exited = once(child, 'exit')
    const events = Array.from({ length: REQUESTS }, (_, i) => ({ userId: `burst-${index}-${i}`, itemId: 'i1', eventId: `e-${index}-${i}` }))
    const answers = events.map(async (event) => await post(port, JSON.stringify(event)))
    await sleep(DELAY_MS)
    child.kill('SIGTERM')
    const outcomes = await Promise.all(answers)
    await exited
    // the log keeps a client's eventId as `id:<eventId>`
    const logged = new Set((await readFile(join(dir, 'events.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { eventId?: string }).eventId?.replace(/^id:/, '')))
    const lost = events.filter((e, i) => outcomes[i] === '202' && !logged.has(e.eventId)).length
    const counts: Record<string, number> = {}
    for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1
    return { ...counts, lost }
  } finally {
    child.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  }
}

const totals: Record<string, number> = {}
let runsWithResets = 0
for (let i = 0; i < RUNS; i++) {
  const result = await run(i)
  console.log(`run ${i + 1}: ${JSON.stringify(result)}`)
  for (const [k, v] of Object.entries(result)) totals[k] = (totals[k] ?? 0) + v
  if ((result.ECONNRESET ?? 0) > 0) runsWithResets++
}
console.log(`${RUNS} runs of ${REQUESTS} requests, SIGTERM ${DELAY_MS} ms after the first (${REPO}): totals ${JSON.stringify(totals)}; runs with a reset: ${runsWithResets}`)
