/**
 * Serving benchmark: the real service and a Fastify hello-world route, each in its own process,
 * loaded alternately by autocannon on 127.0.0.1 in the same run. Prints req/s and p50/p99 latency,
 * the ratio /recommend over hello, medians over repeats and their spread.
 *   npm run bench:serve -- [--connections 50] [--duration 10] [--repeats 3] [--users 500]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    repeats: { type: 'string', default: '3' },
    users: { type: 'string', default: '500' }
  }
})
const connections = Number(args.connections)
const duration = Number(args.duration)
const repeats = Number(args.repeats)
const users = Number(args.users)

interface Run { reqs: number, p50: number, p99: number, errors: number, non2xx: number }

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    }).on('error', reject)
  })
}

async function start (script: string, env: Record<string, string>, readyUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`)
    try {
      if ((await fetch(readyUrl)).ok) return child
    } catch {}
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  child.kill('SIGTERM')
  throw new Error(`${script} not ready within 60 s`)
}

async function load (url: string, setup: (req: { path: string }) => { path: string }): Promise<Run> {
  const result = await autocannon({
    url,
    connections,
    duration,
    requests: [{ method: 'GET', setupRequest: setup as never }]
  })
  return { reqs: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx }
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function spread (values: number[]): string {
  return `${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)}`
}

const servicePort = await freePort()
const helloPort = await freePort()
const service = await start('src/server.ts', { PORT: String(servicePort), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, `http://127.0.0.1:${servicePort}/health/ready`)
const hello = await start('bench/hello-server.ts', { PORT: String(helloPort) }, `http://127.0.0.1:${helloPort}/hello`)
const helloRuns: Run[] = []
const recommendRuns: Run[] = []
try {
  let n = 0
  // both loads build each request the same way, so the generator's own cost cancels out in the ratio
  const withUser = (path: string) => (req: { path: string }): { path: string } => ({ ...req, path: `${path}?userId=u${n++ % users}&k=10` })
  for (let i = 0; i < repeats; i++) {
    helloRuns.push(await load(`http://127.0.0.1:${helloPort}/hello`, withUser('/hello')))
    recommendRuns.push(await load(`http://127.0.0.1:${servicePort}/recommend`, withUser('/recommend')))
    process.stderr.write(`repeat ${i + 1}/${repeats}: hello ${helloRuns[i].reqs.toFixed(0)} req/s, /recommend ${recommendRuns[i].reqs.toFixed(0)} req/s\n`)
  }
} finally {
  service.kill('SIGTERM')
  hello.kill('SIGTERM')
}

const ratios = recommendRuns.map((r, i) => r.reqs / helloRuns[i].reqs)
const row = (name: string, runs: Run[]): string =>
  `| ${name} | ${median(runs.map(r => r.reqs)).toFixed(0)} | ${spread(runs.map(r => r.reqs))} | ${median(runs.map(r => r.p50))} | ${median(runs.map(r => r.p99))} | ${runs.reduce((s, r) => s + r.errors + r.non2xx, 0)} |`
console.log(`\n${connections} connections, ${duration} s per run, ${repeats} repeats alternating, medians (min-max)\n`)
console.log('| route | req/s | req/s spread | p50 ms | p99 ms | errors + non-2xx |')
console.log('|---|---:|---:|---:|---:|---:|')
console.log(row('GET /hello (bare Fastify)', helloRuns))
console.log(row('GET /recommend', recommendRuns))
console.log(`\n/recommend over hello req/s: median ${median(ratios).toFixed(3)} (spread ${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)})`)
