/**
 * Serving benchmark: the real service (newest student in MODELS_DIR) and a Fastify hello-world
 * route, each in its own process, loaded alternately by autocannon on 127.0.0.1 in the same run,
 * so the ratio /recommend over hello cancels the machine and the load generator out.
 * Catalogues: ML-1M (3,706 items) and a synthetic 100,000-item one; stores: memory and Redis.
 * Scenarios: cache hit, cache miss by user, cache miss by random history, 10-entry batches; then a
 * soak of cache misses on ML-1M that watches TF.js tensors and the heap.
 *   npm run bench:serve -- [--data-dir ../shared/datasets/ml-1m] [--connections 50] [--duration 10]
 *     [--repeats 3] [--soak-requests 1000000] [--skip-100k] [--skip-redis] [--models-dir DIR]
 *     [--only hit] [--repo ../main]
 *     [--items 1000000] (the synthetic catalogue's size, 100,000 by default: a structured student
 *     with its ANN index, served by ANN from ANN_MIN_ITEMS; the bench adds recall@10 of the served
 *     list against exact scoring and the replica's RSS. ANN_MIN_ITEMS=1000000000 in the bench's
 *     environment reaches the service and scores every item instead)
 */
import type { ChildProcess } from 'node:child_process'
import { join, resolve } from 'node:path'
import { parseCli, runCli } from '../src/cli/args.js'
import { BenchResources, closeOnSignal, freePort, logTail } from './bench-processes.js'
import { deleteKeys, redisAnswers } from './redis-keys.js'
import { ml1mCatalogue, syntheticLargeCatalogue, type Catalogue } from './serve-catalogues.js'
import { servedRecall, serviceRss, type ServedRecall } from './serve-recall.js'
import { measure, runSoak, type LoadPlan } from './serve-measure.js'
import { diagnosticsTable, figuresTable, ratio, soakTable, type CatalogueKind, type Measured, type Soak } from './serve-report.js'
import { scenarios } from './serve-scenarios.js'
import { cpuTable } from './serve-cpu.js'

const SPEC = {
  usage: 'npm run bench:serve --',
  summary: 'Serving benchmark: /recommend from a student against a hello-world route, per catalogue, store and scenario.',
  options: {
    'data-dir': { type: 'string', default: '../shared/datasets/ml-1m', description: 'ML-1M folder (ml-1m.pairs.txt); absent = a synthetic catalogue of its size' },
    'models-dir': { type: 'string', description: 'student artifacts for the ML-1M catalogue (default: a short distill run into a temp dir)' },
    connections: { type: 'int', default: 50, description: 'autocannon connections' },
    duration: { type: 'int', default: 10, description: 'seconds per run' },
    repeats: { type: 'int', default: 3, description: 'alternating hello / service runs per scenario' },
    'warm-seconds': { type: 'int', default: 2, description: 'unmeasured load before each scenario' },
    'soak-requests': { type: 'int', default: 1_000_000, description: 'cache-miss requests of the ML-1M in-memory soak (0 = no soak)' },
    'skip-ml1m': { type: 'boolean', default: false, description: 'leave out the ML-1M catalogue (and the soak)' },
    'skip-100k': { type: 'boolean', default: false, description: 'leave out the synthetic 100,000-item catalogue' },
    items: { type: 'int', default: 100_000, description: 'items of the synthetic catalogue (a structured student with its ANN index)' },
    'recall-users': { type: 'int', default: 1000, description: 'users whose served top-10 is compared with exact scoring (large catalogue, memory store)' },
    'skip-redis': { type: 'boolean', default: false, description: 'leave out the Redis runs' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379', description: 'Redis for the Redis runs (keys under a unique prefix, deleted at the end)' },
    only: { type: 'string', description: 'only the scenarios whose name contains this text (e.g. hit)' },
    repo: { type: 'string', default: '.', description: 'the checkout whose service is measured (e.g. ../main, for a before/after with the same bench)' }
  }
} as const

type Args = NonNullable<ReturnType<typeof parseCli<typeof SPEC.options>>>
type Store = 'memory' | 'redis'
/** The log of the service started last, shown when the benchmark fails. */
interface State { serviceLog?: string }

async function main (argv: readonly string[]): Promise<void> {
  const args = parseCli(SPEC, argv)
  if (args === null) return
  const resources = new BenchResources()
  closeOnSignal(resources)
  const state: State = {}
  try {
    await bench(args, resources, state)
  } catch (err) {
    const cause = (err as Error).cause
    if (cause !== undefined) process.stderr.write(`cause: ${String((cause as Error).stack ?? cause)}\n`)
    if (state.serviceLog !== undefined) process.stderr.write(`last lines of the service log (${state.serviceLog}):\n${await logTail(state.serviceLog)}\n`)
    throw err
  } finally {
    await resources.close()
  }
}

async function bench (args: Args, resources: BenchResources, state: State): Promise<void> {
  const redisPrefix = `distillrec-bench:${process.pid}-${Date.now().toString(36)}:`
  const stores: Store[] = ['memory']
  if (!args['skip-redis']) {
    if (await redisAnswers(args['redis-url'])) {
      stores.push('redis')
      resources.onClose(async () => {
        const deleted = await deleteKeys(args['redis-url'], redisPrefix)
        process.stderr.write(`deleted ${deleted} Redis keys under ${redisPrefix}\n`)
      })
    } else {
      process.stderr.write(`Redis does not answer at ${args['redis-url']}: Redis runs left out\n`)
    }
  }

  const helloPort = await freePort()
  const hello = `http://127.0.0.1:${helloPort}`
  const helloChild = await resources.start('bench/hello-server.ts', { PORT: String(helloPort) }, `${hello}/hello`)
  const catalogues: Array<{ catalogue: Catalogue, kind: CatalogueKind }> = []
  if (!args['skip-ml1m']) catalogues.push({ catalogue: await ml1mCatalogue(resources, { dataDir: args['data-dir'], modelsDir: args['models-dir'] }), kind: 'ml1m' })
  if (!args['skip-100k']) {
    catalogues.push({ catalogue: await syntheticLargeCatalogue(resources, args.items), kind: args.items >= 1_000_000 ? '1m' : '100k' })
  }

  const plan: LoadPlan = { connections: args.connections, duration: args.duration, repeats: args.repeats, warmSeconds: args['warm-seconds'] }
  const rows: Measured[] = []
  let soak: Soak | undefined
  const large: Array<{ catalogue: string, recall?: ServedRecall, rss?: number }> = []
  let complete = false
  try {
    for (const [c, { catalogue, kind }] of catalogues.entries()) {
      for (const store of stores) {
        const env: Record<string, string> = { ...catalogue.env }
        if (store === 'redis') Object.assign(env, { REDIS_URL: args['redis-url'], REDIS_PREFIX: `${redisPrefix}${c}:` })
        for (const service of ['cached', 'uncached'] as const) {
          const chosen = scenarios(catalogue).filter((s) => s.service === service && (args.only === undefined || s.name.includes(args.only)))
          if (chosen.length === 0) continue
          const { origin, child } = await startService(resources, state, args.repo, { ...env, ...(service === 'uncached' ? { CACHE_TTL_MS: '0' } : {}) })
          try {
            for (const scenario of chosen) {
              rows.push(await measure(plan, { scenario, origin, hello, catalogue: catalogue.name, kind, store, pids: { service: child.pid, hello: helloChild.pid } }))
              const last = rows[rows.length - 1]
              process.stderr.write(`${scenario.name} / ${catalogue.name} / ${store}: ${last.runs.map((r) => r.reqs.toFixed(0)).join(', ')} req/s, ratio ${ratio(last).toFixed(3)}\n`)
            }
            if (service === 'uncached' && store === 'memory' && kind !== 'ml1m') {
              const rss = await serviceRss(origin)
              process.stderr.write(`measuring recall@10 of the served list over ${args['recall-users']} users\n`)
              large.push({ catalogue: catalogue.name, rss, recall: await servedRecall(origin, catalogue.env, args['recall-users']) })
            }
            if (service === 'uncached' && store === 'memory' && kind === 'ml1m' && args['soak-requests'] > 0) {
              soak = await runSoak(plan, origin, catalogue, args['soak-requests'])
            }
          } finally {
            await resources.stop(child)
          }
        }
      }
    }
    complete = true
  } finally {
    if (rows.length > 0 || soak !== undefined) report(args, rows, soak, complete)
    for (const l of large) {
      console.log(`\n${l.catalogue}, memory store, after the cache-miss runs: replica RSS ${l.rss === undefined ? '?' : (l.rss / 1e6).toFixed(0)} MB; ` +
        (l.recall === undefined ? 'no recall figure' : `recall@10 of the served list against exact scoring over ${l.recall.users} users (seen items excluded) ${l.recall.recall.toFixed(4)} (target >= 0.95: ${l.recall.recall >= 0.95 ? 'met' : 'MISSED'}), ${l.recall.short} short lists, ${l.recall.seconds.toFixed(0)} s`))
    }
  }
}

function report (args: Args, rows: readonly Measured[], soak: Soak | undefined, complete: boolean): void {
  if (!complete) console.log('\nThe run failed; figures so far:')
  console.log(`\n${args.connections} connections, ${args.duration} s per run, ${args.repeats} repeats alternating with hello-world, medians (min-max)\n`)
  console.log(figuresTable(rows))
  console.log('\nWhat the service counted over the measured runs (/metrics deltas):\n')
  console.log(diagnosticsTable(rows))
  const cpu = cpuTable(rows)
  if (cpu !== undefined) console.log(`\nCPU per request of each process (/proc; steadier than req/s on a shared machine):\n\n${cpu}`)
  if (soak !== undefined) {
    const r = soak.run
    console.log(`\nSoak: ${soak.catalogue}, memory store, cache miss (POST, random history), ${r.total} requests in ${r.seconds.toFixed(0)} s: ` +
      `${r.reqs.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx + errors ${r.errors + r.non2xx}\n`)
    console.log(soakTable(soak))
  }
}

async function startService (resources: BenchResources, state: State, repo: string, env: Record<string, string>): Promise<{ origin: string, child: ChildProcess }> {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const dir = await resources.tempDir('service')
  state.serviceLog = join(dir, 'service.log')
  const child = await resources.start(resolve(repo, 'src/server.ts'), {
    PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', EVENT_LOG_PATH: join(dir, 'events.jsonl'), ...env
  }, `${origin}/health/ready`, state.serviceLog)
  const ready = await (await fetch(`${origin}/health/ready`)).json() as { model: { version: number, kind: string } }
  if (ready.model.kind !== 'student') throw new Error(`the service serves ${ready.model.kind} v${ready.model.version}, not a student (MODELS_DIR ${env.MODELS_DIR})`)
  return { origin, child }
}

runCli(async () => { await main(process.argv.slice(2)) })
