/**
 * Chaos benchmark: the service (src/server.ts, EVENT_LOG=redis) on its own redis-server (AOF,
 * fsync always, a free port: never the shared 6379) under bounded load (autocannon: GET
 * /recommend and POST /events with unique event ids, a fixed number of connections), while Redis
 * is killed and restarted, stalled (SIGSTOP 5 s / SIGCONT), and finally the service gets SIGTERM.
 * Prints per phase: requests, non-2xx by status and code, errors, /recommend p50/p99, events
 * acknowledged; then every acknowledged event looked up in the Redis stream and history.
 *
 *   npm run bench:chaos
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import { Redis } from 'ioredis'
import { buildDataset } from '../src/data/build-dataset.js'
import { generateSynthetic } from '../src/data/synthetic.js'
import { datasetFingerprint } from '../src/models/artifact/index.js'
import { saveModel } from '../src/models/artifact/model-io.js'
import { Student } from '../src/models/student.js'
import { freePort } from './bench-processes.js'
import { SERVICE_NODE_FLAGS } from '../src/threads/service-flags.js'

const CONNECTIONS = { recommend: 8, events: 2 }
// SIGTERM is sent under more kept-alive connections: resets show there (the issue saw 20 and 26)
const SIGTERM_CONNECTIONS = { recommend: 40, events: 4 }
const PREFIX = 'chaos:'
const USERS = 500
const SEED = 7

type Kind = 'recommend' | 'events'
interface Outcome { phase: string, kind: Kind, start: number, end: number, status?: number, code?: string, error?: string }

const outcomes: Outcome[] = []
interface ChaosEvent { userId: string, itemId: string, eventId: string }
const acked = new Map<string, ChaosEvent>() // by eventId: every event answered 202
let eventSeq = 0
const nextEvent = (): ChaosEvent => {
  const n = eventSeq++
  // the item is unique too, so the user's history can be checked for the event
  return { userId: `chaos-u${n % USERS}`, itemId: `ev${n}`, eventId: `chaos-${n}` }
}

/** redis-server with every write fsynced before it answers, so a SIGKILL loses no acknowledged event. */
class OwnRedis {
  child: ChildProcess | undefined
  constructor (readonly port: number, readonly dir: string) {}

  async start (): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' })
    const probe = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on('error', () => {})
    for (let i = 0; i < 200; i++) {
      try {
        await probe.connect()
        // PING fails while the AOF is being loaded
        if (await probe.ping() === 'PONG') return
      } catch {
      } finally {
        probe.disconnect()
      }
      await sleep(25)
    }
    throw new Error(`redis-server did not start on port ${this.port}`)
  }

  signal (signal: NodeJS.Signals): void { this.child?.kill(signal) }

  async kill (): Promise<void> {
    const child = this.child
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGCONT')
    child.kill('SIGKILL')
    await once(child, 'exit')
  }
}

/**
 * Runs autocannon on both routes for `seconds`, recording each answer with its time and, for an
 * error status, its code. autocannon keeps a connection after an answer with Connection: close.
 */
async function load (origin: string, phase: string, seconds: number, connections = CONNECTIONS): Promise<void> {
  const run = async (kind: Kind, request: autocannon.Request): Promise<void> => await new Promise((resolve, reject) => {
    // onResponse runs just before the instance's 'response' event for the same answer
    let code: string | undefined
    const instance = autocannon({
      url: origin,
      connections: connections[kind],
      duration: seconds,
      requests: [{
        ...request,
        onResponse: (status, body, context) => {
          code = status >= 300 ? (JSON.parse(body) as { code?: string }).code : undefined
          const { event } = context as { event?: ChaosEvent }
          if (status === 202 && event !== undefined) acked.set(event.eventId, event)
        }
      }]
    }, (err) => {
      if (err === null || err === undefined) resolve()
      else reject(err instanceof Error ? err : new Error(String(err)))
    })
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      const end = performance.now()
      outcomes.push({ phase, kind, start: end - ms, end, status, code })
      code = undefined
    })
    instance.on('reqError', (err: NodeJS.ErrnoException) => {
      const now = performance.now()
      outcomes.push({ phase, kind, start: now, end: now, error: err.code ?? err.message })
    })
  })
  await Promise.all([
    run('recommend', {
      method: 'GET',
      setupRequest: (req) => ({ ...req, path: `/recommend?userId=u${1 + Math.floor(Math.random() * USERS)}&k=10` })
    }),
    run('events', {
      method: 'POST',
      path: '/events',
      headers: { 'content-type': 'application/json' },
      // one request at a time per connection: the context holds the event the answer is for
      setupRequest: (req, context) => {
        const event = nextEvent()
        Object.assign(context, { event })
        return { ...req, body: JSON.stringify(event) }
      }
    })
  ])
}

/** The item (field i) of a stream entry's field list: unique per event here, unlike the stored form of an eventId. */
function itemOf (fields: readonly string[]): string | undefined {
  for (let k = 0; k + 1 < fields.length; k += 2) if (fields[k] === 'i') return fields[k + 1]
  return undefined
}

function percentile (sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]
}

function row (label: string, rows: readonly Outcome[]): string[] {
  const count = (pick: (o: Outcome) => string | undefined): string => {
    const counts = new Map<string, number>()
    for (const o of rows) {
      const key = pick(o)
      if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    return [...counts].sort().map(([key, n]) => `${key}: ${n}`).join(', ') || '-'
  }
  const rec = rows.filter((o) => o.kind === 'recommend' && o.status !== undefined)
  const ms = rec.filter((o) => o.status === 200).map((o) => o.end - o.start).sort((a, b) => a - b)
  const events = rows.filter((o) => o.kind === 'events')
  return [
    label,
    String(rows.length),
    count((o) => o.kind === 'recommend' && o.status !== undefined && o.status >= 300 ? `${o.status} ${o.code ?? ''}`.trim() : undefined),
    percentile(ms, 0.5).toFixed(1),
    percentile(ms, 0.99).toFixed(1),
    percentile(ms, 1).toFixed(1),
    `${events.filter((o) => o.status === 202).length}/${events.length}`,
    count((o) => o.kind === 'events' && o.status !== undefined && o.status !== 202 ? `${o.status} ${o.code ?? ''}`.trim() : undefined),
    count((o) => o.error)
  ]
}

function table (rows: string[][]): string {
  const header = ['phase', 'requests', '/recommend non-2xx', 'rec p50 ms', 'rec p99 ms', 'rec max ms', 'events 202/sent', 'events non-202', 'errors']
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)))
  return all.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ')).join('\n')
}

async function main (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-chaos-'))
  const redis = new OwnRedis(await freePort(), join(dir, 'redis'))
  const logFile = join(dir, 'service.log')
  let service: ChildProcess | undefined
  try {
    await mkdir(redis.dir)
    await redis.start()
    // a freshly initialised student: the serving path (user vectors, micro-batches, the ranking
    // cache) does not depend on its quality
    const modelsDir = join(dir, 'models')
    const dataset = buildDataset(generateSynthetic({ seed: SEED }))
    const student = new Student({ numItems: dataset.items.size, dim: 8, window: 5, seed: 11 })
    await saveModel(modelsDir, student, { itemIds: dataset.items.ids(), datasetFingerprint: datasetFingerprint(dataset.sequences) })
    student.dispose()

    const port = await freePort()
    const origin = `http://127.0.0.1:${port}`
    const log = await open(logFile, 'w')
    service = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', REDIS_URL: `redis://127.0.0.1:${redis.port}`, REDIS_PREFIX: PREFIX, EVENT_LOG: 'redis', SYNTHETIC_SEED: String(SEED), MODELS_DIR: modelsDir, LOG_LEVEL: 'warn', WORKER: 'off' },
      stdio: ['ignore', log.fd, log.fd]
    })
    await log.close()
    const exited = once(service, 'exit') as Promise<[number | null, string | null]>
    for (let i = 0; ; i++) {
      const ready = await fetch(`${origin}/health/ready`).then(async (r) => await r.json() as { status: string }, () => undefined)
      if (ready?.status === 'ready') break
      if (i > 600 || service.exitCode !== null) throw new Error('the service did not get ready')
      await sleep(100)
    }
    process.stderr.write(`service on ${origin}, redis on ${redis.port}, student v1\n`)

    await load(origin, 'warm-up', 2)
    await load(origin, 'steady', 5)

    const killed = load(origin, 'redis killed 3 s', 8)
    await sleep(1000)
    await redis.kill()
    await sleep(3000)
    await redis.start()
    await killed

    const stalled = load(origin, 'redis stalled 5 s', 8)
    await sleep(1000)
    redis.signal('SIGSTOP')
    const stallAt = performance.now()
    await sleep(5000)
    redis.signal('SIGCONT')
    const resumedAt = performance.now()
    await stalled

    const draining = load(origin, 'SIGTERM', 3, SIGTERM_CONNECTIONS)
    await sleep(1000)
    const termAt = performance.now()
    service.kill('SIGTERM')
    const [code, signal] = await exited
    const exitMs = performance.now() - termAt
    await draining

    const rows = ['steady', 'redis killed 3 s', 'redis stalled 5 s', 'SIGTERM'].map((phase) => row(phase, outcomes.filter((o) => o.phase === phase)))
    rows.splice(3, 0, row('  stall, 1 s in to SIGCONT', outcomes.filter((o) => o.phase === 'redis stalled 5 s' && o.start >= stallAt + 1000 && o.start < resumedAt)))
    rows.push(row('  SIGTERM, after the signal', outcomes.filter((o) => o.phase === 'SIGTERM' && o.end >= termAt)))

    const reader = new Redis(redis.port, '127.0.0.1')
    const inStream = new Set((await reader.xrange(`${PREFIX}events`, '-', '+')).map(([, fields]) => itemOf(fields)))
    const histories = new Map<string, Set<string>>()
    for (let u = 0; u < USERS; u++) histories.set(`chaos-u${u}`, new Set(await reader.lrange(`${PREFIX}hist:u:chaos-u${u}`, 0, -1)))
    reader.disconnect()
    const lost = [...acked.values()].filter(({ itemId }) => !inStream.has(itemId))
    const inHistory = [...acked.values()].filter(({ userId, itemId }) => histories.get(userId)?.has(itemId) === true).length
    const resets = outcomes.filter((o) => o.phase === 'SIGTERM' && o.end >= termAt && (o.error === 'ECONNRESET' || o.error === 'EPIPE')).length

    process.stdout.write(`\n${table(rows)}\n\n`)
    process.stdout.write(`events acknowledged (202): ${acked.size}; in the Redis stream: ${acked.size - lost.length}; lost: ${lost.length}; ` +
      `in the Redis history: ${inHistory}; stream entries in all: ${inStream.size}\n`)
    process.stdout.write(`SIGTERM: exit code ${code ?? signal} after ${exitMs.toFixed(0)} ms; connection resets after the signal: ${resets}\n`)
    process.stdout.write(`(closed-loop load: ${CONNECTIONS.recommend} + ${CONNECTIONS.events} connections, ` +
      `${SIGTERM_CONNECTIONS.recommend} + ${SIGTERM_CONNECTIONS.events} for SIGTERM; p50/p99 over /recommend 200s; ` +
      'ECONNREFUSED after SIGTERM is the closed listener)\n')
  } catch (err) {
    const tail = await readFile(logFile, 'utf8').catch(() => '')
    process.stderr.write(`the service's log ends:\n${tail.trimEnd().split('\n').slice(-20).join('\n')}\n`)
    throw err
  } finally {
    if (service !== undefined && service.exitCode === null && service.signalCode === null) service.kill('SIGKILL')
    await redis.kill()
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
