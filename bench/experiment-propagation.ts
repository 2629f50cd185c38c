/**
 * How soon an experiment started or stopped on one replica is in force on another. Starts its own
 * redis-server and two API replicas (src/server.ts, one Redis prefix, two student versions each,
 * WORKER=off) whose experiment poll is an hour away (EXPERIMENT_POLL_MS=3600000), so only the
 * version channel's announcements can carry a change. `--cycles` times: POST /admin/experiments
 * (candidate v1, 100% split, so every user is on the candidate) to replica A, then GET /recommend
 * on replica B every `--probe-ms` until it answers with v1; then POST .../stop to B and the same
 * on A until it answers with v2 again. Times are taken from the admin request being sent and from
 * the announcement being heard on the channel (a subscriber of the bench's own, as the replicas
 * hear it). With `--baseline-poll-ms N` (default 2000; 0 skips it) a second pair of replicas polls
 * every N ms and the bench writes each change straight into the experiment store, announcing
 * nothing: the safety net alone, i.e. how replicas followed experiments before the announcements
 * (each change at a random phase of the polls, and made only once both replicas followed the last).
 * The admin API needs no such wait: the replica that takes a call has followed it when it answers.
 *   npm run bench:experiment-propagation -- [--cycles 20] [--baseline-cycles 10] [--baseline-poll-ms 2000] [--probe-ms 5]
 */
import { cp, mkdir } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { parseCli, runCli } from '../src/cli/args.js'
import { decodeAnnouncement } from '../src/stores/channel-message.js'
import { RedisExperimentStore } from '../src/stores/redis-experiment-store.js'
import { saveStudent } from '../test/serving/student-fixture.js'
import { withResources, type BenchResources } from './bench-processes.js'
import { median } from './serve-load.js'
import { ADMIN_TOKEN, startApi, startRedis, type Started } from './swap-services.js'

const SPEC = {
  usage: 'npm run bench:experiment-propagation --',
  summary: 'Time until an experiment started or stopped on one replica is in force on another (announced, and poll-only).',
  options: {
    cycles: { type: 'int', default: 20, description: 'start + stop cycles through the admin API (announced)' },
    'baseline-cycles': { type: 'int', default: 10, description: 'start + stop cycles written to the store without an announcement' },
    'baseline-poll-ms': { type: 'int', default: 2000, description: 'EXPERIMENT_POLL_MS of the poll-only pair (0: skip it)' },
    'probe-ms': { type: 'int', default: 5, description: 'pause between two GET /recommend probes' }
  }
} as const

const PREFIX = 'xpropbench:'
const USER = 'propagation-user'
const TIMEOUT_MS = 30_000
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }

interface Heard { id: number, at: number }

/** ms from `from` until `replica` answers `version`, probing every `probeMs`. */
async function until (replica: Started, version: number, from: number, probeMs: number): Promise<number> {
  for (;;) {
    const body = await (await fetch(`${replica.origin}/recommend?userId=${USER}&k=5`)).json() as { modelVersion: number }
    const ms = performance.now() - from
    if (body.modelVersion === version) return ms
    if (ms > TIMEOUT_MS) throw new Error(`${replica.origin} did not serve v${version} within ${TIMEOUT_MS} ms`)
    await sleep(probeMs)
  }
}

async function admin (replica: Started, path: string, body?: object): Promise<{ id: number }> {
  const response = await fetch(`${replica.origin}${path}`, {
    method: 'POST',
    headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`)
  return await response.json() as { id: number }
}

async function announced (heard: Heard[], id: number, count: number): Promise<Heard> {
  const deadline = Date.now() + TIMEOUT_MS
  for (;;) {
    const found = heard.filter((h) => h.id === id)
    if (found.length >= count) return found[count - 1]
    if (Date.now() > deadline) throw new Error(`experiment ${id}: announcement ${count} not heard`)
    await sleep(1)
  }
}

function summary (label: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b)
  const p90 = sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)]
  return `${label.padEnd(58)} median ${median(values).toFixed(1)} ms  p90 ${p90.toFixed(1)}  min-max ${sorted[0].toFixed(1)}-${sorted[sorted.length - 1].toFixed(1)}  (n ${values.length})`
}

async function pair (resources: BenchResources, dir: string, models: string, redisUrl: string, prefix: string, pollMs: number): Promise<[Started, Started]> {
  const start = async (name: string): Promise<Started> => {
    const own = join(dir, `${name}-models`)
    await cp(models, own, { recursive: true })
    return await startApi(resources, dir, name, { REDIS_URL: redisUrl, REDIS_PREFIX: prefix, MODELS_DIR: own, EXPERIMENT_POLL_MS: String(pollMs), SYNTHETIC_SEED: '7', LOG_LEVEL: 'warn', SHED_EVENT_LOOP_DELAY_MS: '0' })
  }
  return [await start(`${prefix}a`), await start(`${prefix}b`)]
}

async function main (argv: readonly string[]): Promise<void> {
  const args = parseCli(SPEC, argv)
  if (args === null) return
  await withResources(async (resources) => {
    const dir = await resources.tempDir('xprop')
    await mkdir(join(dir, 'redis'), { recursive: true })
    const redis = await startRedis(resources, join(dir, 'redis'))
    const models = join(dir, 'models')
    await saveStudent(models, { seed: 11 })
    await saveStudent(models, { seed: 12 })
    process.stdout.write(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`)

    const heard: Heard[] = []
    const subscriber = new Redis(redis.url)
    resources.onClose(async () => { subscriber.disconnect() })
    subscriber.on('message', (_channel: string, payload: string) => {
      const message = decodeAnnouncement(payload)
      if (message?.kind === 'experiment') heard.push({ id: message.id, at: performance.now() })
    })
    await subscriber.subscribe(`${PREFIX}model:student:activated`)

    const [a, b] = await pair(resources, dir, models, redis.url, PREFIX, 3_600_000)
    const rows = { startSent: [] as number[], startHeard: [] as number[], stopSent: [] as number[], stopHeard: [] as number[] }
    await until(b, 2, performance.now(), args['probe-ms'])
    for (let c = 0; c < args.cycles; c++) {
      const sent = performance.now()
      const { id } = await admin(a, '/admin/experiments', { candidate: 1, percent: 100 })
      rows.startSent.push(await until(b, 1, sent, args['probe-ms']))
      rows.startHeard.push(rows.startSent.at(-1) as number - ((await announced(heard, id, 1)).at - sent))
      const stopSent = performance.now()
      await admin(b, `/admin/experiments/${id}/stop`)
      rows.stopSent.push(await until(a, 2, stopSent, args['probe-ms']))
      rows.stopHeard.push(rows.stopSent.at(-1) as number - ((await announced(heard, id, 2)).at - stopSent))
    }
    process.stdout.write(`\nannounced (EXPERIMENT_POLL_MS=3600000), ${args.cycles} cycles, a probe every ${args['probe-ms']} ms:\n`)
    process.stdout.write(summary('start on A -> in force on B, from the POST sent', rows.startSent) + '\n')
    process.stdout.write(summary('start on A -> in force on B, from the announcement heard', rows.startHeard) + '\n')
    process.stdout.write(summary('stop on B -> ended on A, from the POST sent', rows.stopSent) + '\n')
    process.stdout.write(summary('stop on B -> ended on A, from the announcement heard', rows.stopHeard) + '\n')

    const pollMs = args['baseline-poll-ms']
    if (pollMs > 0) {
      const prefix = 'xpropbase:'
      const [c, d] = await pair(resources, dir, models, redis.url, prefix, pollMs)
      const writer = new Redis(redis.url)
      resources.onClose(async () => { writer.disconnect() })
      const store = new RedisExperimentStore({ client: writer, prefix })
      const starts: number[] = []
      const stops: number[] = []
      await until(d, 2, performance.now(), args['probe-ms'])
      for (let n = 0; n < args['baseline-cycles']; n++) {
        // at a random phase of the replicas' polls; each change reaches both before the next
        await sleep(Math.random() * pollMs)
        const sent = performance.now()
        const created = await store.create({ control: 2, candidate: 1, percent: 100, mode: 'split', salt: `s${n}`, createdAt: new Date().toISOString() })
        if (!('created' in created)) throw new Error(`experiment ${created.running} still running`)
        starts.push(await until(d, 1, sent, args['probe-ms']))
        await until(c, 1, sent, args['probe-ms'])
        await sleep(Math.random() * pollMs)
        const stopSent = performance.now()
        await store.transition(created.created.id, 'running', 'stopped', { endedAt: new Date().toISOString(), reason: 'bench' })
        stops.push(await until(c, 2, stopSent, args['probe-ms']))
        await until(d, 2, stopSent, args['probe-ms'])
      }
      process.stdout.write(`\npoll only (EXPERIMENT_POLL_MS=${pollMs}, nothing announced), ${args['baseline-cycles']} cycles:\n`)
      process.stdout.write(summary('start in the store -> in force on B', starts) + '\n')
      process.stdout.write(summary('stop in the store -> ended on A', stops) + '\n')
    }
    process.stdout.write(`\nload average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`)
  })
}

runCli(async () => { await main(process.argv.slice(2)) })
