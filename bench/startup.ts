/**
 * Start-up time of an API replica on a real dataset, with a student to load: reading the dataset
 * in memory (DATA_PATH) against serving from Redis alone (DATA_PATH=none, after `npm run import`).
 * Prints the time from spawn to the first 200 of /health/ready and the service's own "ready to
 * serve" figure, medians of --repeats (min-max). The student is freshly initialised over the
 * dataset's items: loading cost does not depend on its quality.
 *   npm run bench:startup -- --data ../shared/datasets/ml-1m [--repeats 3]
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { main as importData } from '../src/cli/import.js'
import { readDataset } from '../src/data/read-dataset.js'
import { datasetFingerprint } from '../src/models/artifact/index.js'
import { saveModel } from '../src/models/artifact/model-io.js'
import { Student } from '../src/models/student.js'
import { selectBackend } from '../src/tf/backend.js'
import { SERVICE_NODE_FLAGS } from '../src/threads/service-flags.js'

const { values: args } = parseArgs({ options: { data: { type: 'string' }, repeats: { type: 'string', default: '3' }, 'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' } } })
if (args.data === undefined) throw new Error('--data is required (e.g. ../shared/datasets/ml-1m)')
const repeats = Number(args.repeats)
const redisUrl = args['redis-url']
const prefix = `bench-startup-${process.pid}:`
const dir = await mkdtemp(join(tmpdir(), 'distillrec-startup-'))
const admin = new Redis(redisUrl)

interface Run { readyMs: number, serviceMs: number }

async function startOnce (env: Record<string, string>, port: number): Promise<Run> {
  const started = performance.now()
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, WORKER: 'off', ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', EVENT_LOG_PATH: join(dir, `events-${port}.jsonl`) },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let serviceMs = NaN
  child.stdout.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.includes('"ready to serve"')) serviceMs = JSON.parse(line).ms
    }
  })
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`)
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) return { readyMs: performance.now() - started, serviceMs }
      } catch {}
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]
const row = (name: string, runs: Run[]): string => {
  const ready = runs.map((r) => r.readyMs)
  const service = runs.map((r) => r.serviceMs)
  return `| ${name} | ${median(ready).toFixed(0)} (${Math.min(...ready).toFixed(0)}-${Math.max(...ready).toFixed(0)}) | ${median(service).toFixed(0)} (${Math.min(...service)}-${Math.max(...service)}) |`
}

try {
  await selectBackend()
  const { dataset, source, events } = await readDataset(args.data, 'auto', 42)
  const student = new Student({ numItems: dataset.items.size })
  await saveModel(join(dir, 'models'), student, { itemIds: dataset.items.ids(), datasetFingerprint: datasetFingerprint(dataset) })
  student.dispose()
  await importData(['--data', args.data, '--redis-url', redisUrl, '--prefix', prefix], () => {})
  const models = join(dir, 'models')
  const inMemory: Run[] = []
  const fromRedis: Run[] = []
  for (let i = 0; i < repeats; i++) {
    inMemory.push(await startOnce({ DATA_PATH: args.data, MODELS_DIR: models }, 23_400 + i))
    fromRedis.push(await startOnce({ DATA_PATH: 'none', REDIS_URL: redisUrl, REDIS_PREFIX: prefix, MODELS_DIR: models }, 23_500 + i))
  }
  console.log(`\n${source}: ${events} interactions, ${dataset.users.size} users, ${dataset.items.size} items; student v1 (${dataset.items.size} x 17); ${repeats} starts each, median (min-max)\n`)
  console.log('| replica | spawn to /health/ready 200, ms | "ready to serve" (backend, data, stores, model), ms |')
  console.log('|---|---:|---:|')
  console.log(row('DATA_PATH (dataset read in memory)', inMemory))
  console.log(row('DATA_PATH=none (Redis, after npm run import)', fromRedis))
} finally {
  const keys = await admin.keys(`${prefix}*`)
  if (keys.length > 0) await admin.del(...keys)
  await admin.quit()
  await rm(dir, { recursive: true, force: true })
}
