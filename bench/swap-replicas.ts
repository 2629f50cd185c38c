/**
 * bench/swap.ts's two-replica part: its own redis-server, two API replicas (WORKER=off, one
 * prefix, separate models directories, the second empty so it loads from the Redis model store)
 * and `npm run worker` on the first's directory. For each publication (an operator's pin, then
 * each worker run) it times, from the PUBLISH of the new version (the same Lua script that sets
 * `<prefix>model:student:active`, so the same instant), until each replica's /health/ready
 * reports it. The pin is of an older version, so replica 2 loads it from the Redis model store.
 */
import { cp, mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import type { BenchResources } from './bench-processes.js'
import { AdminClient, isFinished, servedModel, type JobView } from './swap-admin.js'
import { ADMIN_TOKEN, startApi, startRedis, startWorker, type Started } from './swap-services.js'

const PREFIX = 'swapbench:'
const POLL_MS = 5
const REPLICA_TIMEOUT_MS = 30_000
const RUN_TIMEOUT_MS = 600_000

export interface Convergence {
  label: string
  version: number
  /** Per replica, ms from the publication to /health/ready reporting the version; NaN: never (30 s). */
  replicaMs: number[]
  /** The job's end state, for worker runs. */
  job?: string
}

export interface ReplicaOptions {
  dir: string
  /** A models directory with ready student versions, copied for replica 1 and the worker. */
  preparedModels: string
  /** DATA_PATH (and DATA_FORMAT) of every process. */
  dataEnv: Record<string, string>
  runs: number
  epochs: number
  /** Names the log of the process started last, shown on failure. */
  onLog: (file: string) => void
}

interface Publication { version: number, at: number }

export async function measureConvergence (resources: BenchResources, o: ReplicaOptions): Promise<Convergence[]> {
  await mkdir(join(o.dir, 'redis'), { recursive: true })
  const redis = await startRedis(resources, join(o.dir, 'redis'))
  const models1 = join(o.dir, 'replica-1-models')
  const models2 = join(o.dir, 'replica-2-models')
  await cp(o.preparedModels, models1, { recursive: true })
  await mkdir(models2, { recursive: true })
  const shared = { ...o.dataEnv, REDIS_URL: redis.url, REDIS_PREFIX: PREFIX, WORKER: 'off' }

  const publications: Publication[] = []
  const subscriber = new Redis(redis.url)
  resources.onClose(async () => { subscriber.disconnect() })
  subscriber.on('message', (_channel: string, message: string) => { publications.push({ version: Number(message), at: performance.now() }) })
  await subscriber.subscribe(`${PREFIX}model:student:activated`)

  const processes: Started[] = []
  const start = async (started: Promise<Started>): Promise<Started> => {
    const s = await started
    processes.push(s)
    o.onLog(s.log)
    return s
  }
  const replicas = [
    await start(startApi(resources, o.dir, 'replica-1', { ...shared, MODELS_DIR: models1 })),
    await start(startApi(resources, o.dir, 'replica-2', { ...shared, MODELS_DIR: models2 }))
  ]
  await start(startWorker(resources, o.dir, { ...shared, MODELS_DIR: models1 }))
  const admin = new AdminClient(replicas[0].origin, ADMIN_TOKEN)
  const served = await Promise.all(replicas.map(async (r) => await servedModel(r.origin)))
  process.stderr.write(`replicas serve ${served.map((m) => `${m.kind} v${m.version}`).join(' and ')}; worker up; redis on ${redis.port}\n`)

  const results: Convergence[] = []
  // an operator pins an older version: replica 1 has it on disk, replica 2 only from the Redis
  // model store once the pin has published it (replica 1 published its newest at start-up)
  const onDisk = (await readdir(join(models1, 'student'))).map(Number).filter((v) => Number.isSafeInteger(v) && v !== served[0].version)
  const pinned = Math.max(...onDisk)
  if (!(pinned > 0)) throw new Error(`need a second student version in ${o.preparedModels}`)
  const seen = publications.length
  const pin = await admin.activate(pinned)
  if (pin.status !== 200) throw new Error(`POST /admin/models/${pinned}/activate answered ${pin.status}: ${pin.body}`)
  const pinPublished = await nextPublication(publications, seen, pinned, async () => undefined)
  results.push({ label: `operator pin v${pinned} (POST /admin/models/${pinned}/activate on replica 1)`, version: pinned, replicaMs: await untilServed(replicas, pinPublished) })

  for (let run = 1; run <= o.runs; run++) {
    const before = publications.length
    const id = await admin.redistill({ epochs: o.epochs, teacher: 'reuse', losses: ['task'], force: true })
    let job: JobView | undefined
    const published = await nextPublication(publications, before, undefined, async () => {
      job = await admin.job(id)
      return isFinished(job) ? `${job.state}${job.reason === undefined ? '' : `: ${job.reason}`}` : undefined
    })
    const replicaMs = await untilServed(replicas, published)
    job = await admin.waitFor(id, isFinished, RUN_TIMEOUT_MS)
    results.push({ label: `worker run ${run} (POST /admin/redistill, ${o.epochs} epochs, task loss, force)`, version: published.version, replicaMs, job: job.state })
  }
  const reader = new Redis(redis.url)
  const active = await reader.get(`${PREFIX}model:student:active`).finally(() => { reader.disconnect() })
  process.stderr.write(`${PREFIX}model:student:active = ${active ?? 'unset'}\n`)
  for (const p of processes.reverse()) await resources.stop(p.child)
  return results
}

/**
 * Waits for the first publication after index `from` (of `version` when given); `failed` is
 * asked every 250 ms and names why none will come (the run was rejected, say).
 */
async function nextPublication (publications: Publication[], from: number, version: number | undefined, failed: () => Promise<string | undefined>): Promise<Publication> {
  const deadline = Date.now() + RUN_TIMEOUT_MS
  let nextCheck = 0
  for (;;) {
    const found = publications.slice(from).find((p) => version === undefined || p.version === version)
    if (found !== undefined) return found
    if (Date.now() >= nextCheck) {
      const why = await failed()
      if (why !== undefined) throw new Error(`no version was published: the job ended ${why}`)
      nextCheck = Date.now() + 250
    }
    if (Date.now() > deadline) throw new Error(`no version published within ${RUN_TIMEOUT_MS / 1000} s`)
    await sleep(POLL_MS)
  }
}

async function untilServed (replicas: readonly Started[], published: Publication): Promise<number[]> {
  return await Promise.all(replicas.map(async ({ origin }) => {
    for (;;) {
      const model = await servedModel(origin)
      const ms = performance.now() - published.at
      if (model.version === published.version) return ms
      if (ms > REPLICA_TIMEOUT_MS) return NaN
      await sleep(POLL_MS)
    }
  }))
}
