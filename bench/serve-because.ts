/**
 * What `include=because` costs: the service (newest student in MODELS_DIR, ML-1M) with its caches
 * off (CACHE_TTL_MS=0, so every request ranks and explains), loaded by GET /recommend of distinct
 * users at k = 10, alternately without and with `include=because`, in the same run. Prints p99 and
 * req/s medians (min-max) of each and their ratios, and the service's CPU per request.
 *   npm run bench:serve-because -- [--data-dir ../shared/datasets/ml-1m] [--models-dir DIR]
 *     [--connections 50] [--duration 10] [--repeats 3] [--k 10]
 */
import { parseCli, runCli } from '../src/cli/args.js'
import { BenchResources, closeOnSignal, freePort } from './bench-processes.js'
import { cpuPerRequestUs, processCpuMs } from './process-cpu.js'
import { ml1mCatalogue } from './serve-catalogues.js'
import { load, median, spread, type LoadSpec, type Run } from './serve-load.js'

const SPEC = {
  usage: 'npm run bench:serve-because --',
  summary: 'p99 of GET /recommend with and without include=because (caches off), alternated in one run.',
  options: {
    'data-dir': { type: 'string', default: '../shared/datasets/ml-1m', description: 'ML-1M folder; absent = a synthetic catalogue of its size' },
    'models-dir': { type: 'string', description: 'student artifacts (default: a short distill run into a temp dir)' },
    connections: { type: 'int', default: 50, description: 'autocannon connections' },
    duration: { type: 'int', default: 10, description: 'seconds per run' },
    repeats: { type: 'int', default: 3, description: 'alternating runs without / with include=because' },
    k: { type: 'int', default: 10, description: 'items per answer' }
  }
} as const

interface Arm { name: string, runs: Run[], cpu: number[] }

async function main (argv: readonly string[]): Promise<void> {
  const args = parseCli(SPEC, argv)
  if (args === null) return
  const resources = new BenchResources()
  closeOnSignal(resources)
  try {
    const catalogue = await ml1mCatalogue(resources, { dataDir: args['data-dir'], modelsDir: args['models-dir'] })
    const port = await freePort()
    const origin = `http://127.0.0.1:${port}`
    const dir = await resources.tempDir('because')
    const child = await resources.start('src/server.ts', {
      ...catalogue.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', CACHE_TTL_MS: '0', EVENT_LOG_PATH: `${dir}/events.jsonl`
    }, `${origin}/health/ready`)
    const spec = (suffix: string): LoadSpec => {
      let n = 0
      const users = catalogue.userIds
      return { method: 'GET', next: () => ({ path: `/recommend?userId=${encodeURIComponent(users[n++ % users.length])}&k=${args.k}${suffix}` }) }
    }
    const check = await (await fetch(`${origin}/recommend?userId=${encodeURIComponent(catalogue.userIds[0])}&k=${args.k}&include=because`)).json() as { source: string, items: Array<{ because?: { kind: string } }> }
    if (check.source !== 'student' || check.items.some((i) => i.because?.kind !== 'history')) throw new Error(`not an explained student answer: ${JSON.stringify(check).slice(0, 300)}`)
    const arms: Arm[] = [{ name: 'without', runs: [], cpu: [] }, { name: 'include=because', runs: [], cpu: [] }]
    const suffixes = ['', '&include=because']
    for (const suffix of suffixes) await load(origin, spec(suffix), { connections: args.connections, duration: 2 })
    for (let r = 0; r < args.repeats; r++) {
      for (const [a, arm] of arms.entries()) {
        const before = processCpuMs(child.pid)
        const run = await load(origin, spec(suffixes[a]), { connections: args.connections, duration: args.duration })
        arm.runs.push(run)
        const cpu = cpuPerRequestUs(before, processCpuMs(child.pid), run.total)
        if (cpu !== undefined) arm.cpu.push(cpu)
        process.stderr.write(`${arm.name}: ${run.reqs.toFixed(0)} req/s, p99 ${run.p99} ms, non-2xx + errors ${run.non2xx + run.errors}\n`)
      }
    }
    report(args, catalogue.name, arms)
  } finally {
    await resources.close()
  }
}

function report (args: { connections: number, duration: number, repeats: number, k: number }, catalogue: string, [plain, because]: Arm[]): void {
  const p99 = (arm: Arm): number => median(arm.runs.map((r) => r.p99))
  const reqs = (arm: Arm): number => median(arm.runs.map((r) => r.reqs))
  console.log(`\n${catalogue}, GET /recommend of distinct users, k = ${args.k}, caches off, ${args.connections} connections, ${args.duration} s per run, ${args.repeats} repeats alternated; medians (min-max)\n`)
  console.log('| arm | req/s | p99 ms | p50 ms | CPU us per request | non-2xx + errors |')
  console.log('|:----|------:|-------:|-------:|-------------------:|-----------------:|')
  for (const arm of [plain, because]) {
    const cpu = arm.cpu.length === 0 ? '–' : `${median(arm.cpu).toFixed(0)} (${spread(arm.cpu)})`
    console.log(`| ${arm.name} | ${reqs(arm).toFixed(0)} (${spread(arm.runs.map((r) => r.reqs))}) | ${p99(arm)} (${spread(arm.runs.map((r) => r.p99))}) | ${median(arm.runs.map((r) => r.p50))} | ${cpu} | ${arm.runs.reduce((s, r) => s + r.non2xx + r.errors, 0)} |`)
  }
  const ratio = p99(because) / p99(plain)
  console.log(`\np99 with include=because / without: ${ratio.toFixed(2)} (target <= 1.10: ${ratio <= 1.1 ? 'met' : 'NOT met'}); req/s ratio ${(reqs(because) / reqs(plain)).toFixed(2)}` +
    (plain.cpu.length > 0 && because.cpu.length > 0 ? `; CPU per request ratio ${(median(because.cpu) / median(plain.cpu)).toFixed(2)}` : ''))
}

runCli(async () => { await main(process.argv.slice(2)) })
