/**
 * npm run bench:replicas: ten API replicas in step on a Redis Cluster. Starts a cluster of three
 * primaries and three replicas on 127.0.0.1 (ports 7220-7225), `npm run worker` (its models
 * directory holds a teacher and a first student, distilled here first) and ten API replicas
 * (WORKER=off, empty models directories: every version comes from the Redis model store), all on
 * REDIS_CLUSTER_NODES. Under load (autocannon, `--connections` spread over the ten), it asks for
 * `--runs` re-distillations (POST /admin/redistill on replica 1: the worker takes the job from
 * Redis) and then rolls back (POST /admin/models/<previous>/activate), and prints, per published
 * version, the time from its announcement (heard on the sharded channel, as the replicas hear it)
 * until each replica's /health/ready reports it, and the failed requests (non-2xx, socket errors).
 * Target: every replica on each new version within 2 s, 0 failed requests.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { SYNTHETIC } from '../src/data/read-dataset.js'
import { closeRedis, waitForRedis } from '../src/stores/redis-client.js'
import { createRedisConnection } from '../src/stores/redis-connection.js'
import { RedisVersionChannel } from '../src/stores/redis-version-channel.js'
import { startRedisCluster } from '../test/helpers/redis-topology.js'
import { logTail, withResources, type BenchResources } from './bench-processes.js'
import { AdminClient, isFinished, servedModel } from './swap-admin.js'
import { loadWindow, type Window } from './swap-load.js'
import { ADMIN_TOKEN, startApi, startWorker, type Started } from './swap-services.js'

const { values: args } = parseArgs({
  options: {
    replicas: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '1' },
    connections: { type: 'string', default: '50' }
  }
})
const REPLICAS = Number(args.replicas)
const RUNS = Number(args.runs)
const PREFIX = 'replicasbench:'
const SERVED_TIMEOUT_MS = 60_000
const RUN_TIMEOUT_MS = 900_000
const POLL_MS = 10

interface Publication { version: number, at: number }
interface Row { label: string, version: number, replicaMs: number[] }

async function untilServed (replicas: readonly Started[], published: Publication): Promise<number[]> {
  return await Promise.all(replicas.map(async ({ origin }) => {
    for (;;) {
      const ms = performance.now() - published.at
      if ((await servedModel(origin).catch(() => ({ version: -1 }))).version === published.version) return ms
      if (ms > SERVED_TIMEOUT_MS) return NaN
      await sleep(POLL_MS)
    }
  }))
}

async function nextPublication (heard: Publication[], from: number, version?: number): Promise<Publication> {
  const deadline = Date.now() + RUN_TIMEOUT_MS
  for (;;) {
    const found = heard.slice(from).find((p) => version === undefined || p.version === version)
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`no version announced within ${RUN_TIMEOUT_MS / 1000} s`)
    await sleep(POLL_MS)
  }
}

async function bench (resources: BenchResources): Promise<void> {
  const cluster = await startRedisCluster({ basePort: 7220 })
  resources.onClose(async () => await cluster.stop())
  const nodes = cluster.ports.map((port) => `127.0.0.1:${port}`).join(',')
  const dir = await resources.tempDir('replicas')
  const workerModels = join(dir, 'worker-models')
  process.stderr.write('distilling a first teacher and student for the worker...\n')
  await resources.run('src/cli/distill.ts', ['--data', SYNTHETIC, '--models-dir', workerModels, '--losses', 'task', '--epochs', '1'])
  const shared = { REDIS_CLUSTER_NODES: nodes, REDIS_PREFIX: PREFIX, LOG_LEVEL: 'warn' }

  // the announcements, heard the way a replica hears them
  const client = createRedisConnection(cluster.topology)
  const subscriber = createRedisConnection(cluster.topology, { shardedSubscribers: true })
  resources.onClose(async () => { await closeRedis(subscriber); await closeRedis(client) })
  if (!(await waitForRedis(client, 10_000)) || !(await waitForRedis(subscriber, 10_000))) throw new Error('cluster not ready')
  const channel = new RedisVersionChannel({ client, subscriber, prefix: PREFIX })
  const heard: Publication[] = []
  resources.onClose(await channel.subscribe((message) => { if (message.kind === 'version') heard.push({ version: message.version, at: performance.now() }) }))

  await startWorker(resources, dir, { ...shared, MODELS_DIR: workerModels }).catch(async (err: unknown) => {
    process.stderr.write(await logTail(join(dir, 'worker.log')) + '\n')
    throw err
  })
  const replicas: Started[] = []
  // two at a time: ten at once would fight over two cores for TF.js start-up
  for (let r = 0; r < REPLICAS; r += 2) {
    replicas.push(...await Promise.all([r, r + 1].filter((k) => k < REPLICAS).map(async (k) => {
      const models = join(dir, `replica-${k + 1}-models`)
      await mkdir(models, { recursive: true })
      return await startApi(resources, dir, `replica-${k + 1}`, { ...shared, WORKER: 'off', MODELS_DIR: models })
    })))
  }
  const served = await Promise.all(replicas.map(async (r) => await servedModel(r.origin)))
  process.stderr.write(`${replicas.length} replicas up, serving ${[...new Set(served.map((m) => `${m.kind} v${m.version}`))].join(', ')}; worker up\n`)

  const userIds = Array.from({ length: 1000 }, (_, u) => String(u))
  const perReplica = Math.max(1, Math.floor(Number(args.connections) / replicas.length))
  const loads = replicas.map((r) => loadWindow(r.origin, { connections: perReplica, userIds }))
  const admin = new AdminClient(replicas[0].origin, ADMIN_TOKEN)
  const rows: Row[] = []
  const versions: number[] = []
  try {
    for (let run = 1; run <= RUNS; run++) {
      const from = heard.length
      const id = await admin.redistill({ epochs: Number(args.epochs), teacher: 'reuse', losses: ['task'], force: true })
      const published = await nextPublication(heard, from)
      rows.push({ label: `re-distillation ${run}`, version: published.version, replicaMs: await untilServed(replicas, published) })
      versions.push(published.version)
      const job = await admin.waitFor(id, isFinished, RUN_TIMEOUT_MS)
      process.stderr.write(`run ${run}: v${published.version}, job ${job.state}\n`)
    }
    const back = versions.at(-2)
    if (back !== undefined) {
      const from = heard.length
      const answer = await admin.activate(back)
      if (answer.status !== 200) throw new Error(`rollback answered ${answer.status}: ${answer.body}`)
      const published = await nextPublication(heard, from, back)
      rows.push({ label: `rollback to v${back}`, version: back, replicaMs: await untilServed(replicas, published) })
    }
  } finally {
    for (const load of loads) load.stop()
  }
  const windows: Window[] = await Promise.all(loads.map(async (l) => await l.done))
  const total = windows.reduce((n, w) => n + w.total, 0)
  const failed = windows.reduce((n, w) => n + w.non2xx + w.errors, 0)
  const p99s = windows.map((w) => w.p99).sort((a, b) => a - b)

  process.stdout.write(`\nbench:replicas: ${replicas.length} API replicas (WORKER=off) + 1 worker on a Redis Cluster (3 primaries, 3 replicas), ${perReplica * replicas.length} connections\n`)
  process.stdout.write('| published | version | slowest replica (ms) | median replica (ms) | fastest (ms) | replicas on it |\n|---|---:|---:|---:|---:|---:|\n')
  for (const row of rows) {
    const ms = row.replicaMs.filter(Number.isFinite).sort((a, b) => a - b)
    const on = `${ms.length}/${row.replicaMs.length}`
    process.stdout.write(`| ${row.label} | ${row.version} | ${(ms.at(-1) ?? NaN).toFixed(0)} | ${(ms[Math.floor(ms.length / 2)] ?? NaN).toFixed(0)} | ${(ms[0] ?? NaN).toFixed(0)} | ${on} |\n`)
  }
  const statuses = new Map<number, number>()
  for (const w of windows) for (const [status, n] of w.statuses) statuses.set(status, (statuses.get(status) ?? 0) + n)
  const why = [...statuses].map(([status, n]) => `${n} x ${status}`).join(', ')
  const errors = windows.reduce((n, w) => n + w.errors, 0)
  process.stdout.write(`requests: ${total} answered, ${failed} failed (${why === '' ? 'no non-2xx' : why}; ${errors} socket errors); per-replica p99 ${p99s[0].toFixed(1)}-${p99s.at(-1)?.toFixed(1)} ms\n`)
  // the API's own count of 503s by route (shedding answers OVERLOADED on every route)
  for (const r of replicas) {
    const text = await fetch(`${r.origin}/metrics`).then(async (res) => await res.text()).catch(() => '')
    const lines = text.split('\n').filter((line) => line.startsWith('distillrec_http_request_duration_seconds_count') && /status_code="5\d\d"/.test(line))
    if (lines.length > 0) process.stderr.write(`${r.origin}: ${lines.join('; ')}\n`)
  }
}

await withResources(bench)
