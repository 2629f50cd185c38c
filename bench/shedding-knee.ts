/**
 * Load-shedding knee: GET /recommend cache misses (CACHE_TTL_MS=0, so every request is scored) on
 * the synthetic 100,000-item catalogue, offered at rising multiples of the measured capacity, with
 * load shedding off (every SHED_* threshold 0) and on (the service's SHED_* defaults, or
 * each --delays / --utilizations value). The service runs as a child process on 127.0.0.1; the
 * load generator shares the machine with it, as in bench:serve. Load is open loop: requests leave
 * on a clock whether or not earlier ones were answered, and a request's latency counts from when
 * it was due. Prints per step: offered req/s, goodput (2xx/s), 2xx in time (within --slo-ms), 503
 * share, failures (timeouts, resets), p50/p99 of the 2xx and the mean event-loop delay over the
 * step; and a hello-world req/s of the same run for scale.
 * Bounded: a fixed list of steps of a few seconds each, and --max-seconds for the whole run.
 *   npm run bench:knee -- [--utilizations 0.95,0.98] [--delays 50] [--sample-ms 100,250]
 *     [--multiples 0.5,1,1.5,2,3] [--step-seconds 8]
 */
import { parseCli, runCli } from '../src/cli/args.js'
import { loadConfig } from '../src/config.js'
import { freePort, logTail, withResources, type BenchResources } from './bench-processes.js'
import { offer, type StepResult } from './knee-load.js'
import { synthetic100kCatalogue } from './serve-catalogues.js'
import { load } from './serve-load.js'

const SPEC = {
  usage: 'npm run bench:knee --',
  summary: 'Goodput and p99 of /recommend cache misses past capacity, with load shedding off and on.',
  options: {
    delays: { type: 'string', description: 'SHED_EVENT_LOOP_DELAY_MS values to run shedding with, comma-separated, each with the other SHED_* defaults' },
    utilizations: { type: 'string', description: 'SHED_EVENT_LOOP_UTILIZATION values to run shedding with, likewise' },
    'sample-ms': { type: 'string', description: 'SHED_SAMPLE_INTERVAL_MS values, comma-separated: every run with shedding on is made with each (default: its default)' },
    multiples: { type: 'string', default: '0.5,1,1.5,2,3', description: 'offered rates as multiples of the measured capacity' },
    'step-seconds': { type: 'int', default: 8, description: 'seconds of load per step' },
    connections: { type: 'int', default: 256, description: 'sockets the requests share (a request due while all are busy waits for one)' },
    'timeout-seconds': { type: 'int', default: 5, description: 'an answer later than this counts as failed' },
    'slo-ms': { type: 'int', default: 1000, description: 'a 2xx within this counts as in time (its own column)' },
    'max-seconds': { type: 'int', default: 420, description: 'steps not started by then are left out' }
  }
} as const

type Args = NonNullable<ReturnType<typeof parseCli<typeof SPEC.options>>>
interface Mode { name: string, env: Record<string, string> }

async function main (argv: readonly string[]): Promise<void> {
  const args = parseCli(SPEC, argv)
  if (args === null) return
  await withResources(async (resources) => await bench(args, resources))
}

async function bench (args: Args, resources: BenchResources): Promise<void> {
  const deadline = Date.now() + args['max-seconds'] * 1000
  const multiples = numbers(args.multiples, 'multiples')
  const defaults = loadConfig({})
  const modes: Mode[] = [{ name: 'off', env: { SHED_EVENT_LOOP_DELAY_MS: '0', SHED_EVENT_LOOP_UTILIZATION: '0', SHED_HEAP_USED_RATIO: '0' } }]
  const samples = args['sample-ms'] === undefined ? [defaults.shedSampleIntervalMs] : numbers(args['sample-ms'], 'sample-ms')
  for (const sample of samples) {
    const on = (name: string, env: Record<string, string>): Mode =>
      ({ name: `${name}, ${sample} ms sample`, env: { ...env, SHED_SAMPLE_INTERVAL_MS: String(sample) } })
    if (args.delays === undefined && args.utilizations === undefined) {
      // the defaults, as a replica runs with no SHED_* set
      const delay = defaults.shedEventLoopDelayMs === 0 ? 'off' : `${defaults.shedEventLoopDelayMs} ms`
      modes.push(on(`defaults: ELU ${defaults.shedEventLoopUtilization}, delay ${delay}`, {}))
    }
    for (const delay of args.delays === undefined ? [] : numbers(args.delays, 'delays')) modes.push(on(`delay ${delay} ms`, { SHED_EVENT_LOOP_DELAY_MS: String(delay) }))
    for (const elu of args.utilizations === undefined ? [] : numbers(args.utilizations, 'utilizations')) modes.push(on(`ELU ${elu}`, { SHED_EVENT_LOOP_UTILIZATION: String(elu) }))
  }

  const helloPort = await freePort()
  const hello = await resources.start('bench/hello-server.ts', { PORT: String(helloPort) }, `http://127.0.0.1:${helloPort}/hello`)
  const helloRun = await load(`http://127.0.0.1:${helloPort}`, { method: 'GET', next: () => ({ path: '/hello' }) }, { connections: 50, duration: 5 })
  await resources.stop(hello)
  process.stderr.write(`hello-world: ${helloRun.reqs.toFixed(0)} req/s (50 connections, 5 s)\n`)

  const catalogue = await synthetic100kCatalogue(resources)
  const dir = await resources.tempDir('knee')
  let capacity = 0
  const rows: string[][] = []
  for (const mode of modes) {
    if (Date.now() > deadline) break
    const port = await freePort()
    const origin = `http://127.0.0.1:${port}`
    const logFile = `${dir}/service-${port}.log`
    const service = await resources.start('src/server.ts', {
      ...catalogue.env,
      ...mode.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      CACHE_TTL_MS: '0',
      LOG_LEVEL: 'warn',
      EVENT_LOG_PATH: `${dir}/events-${port}.jsonl`
    }, `${origin}/health/ready`, logFile)
    try {
      const spec = { method: 'GET' as const, next: () => ({ path: `/recommend?userId=${pick(catalogue.userIds)}&k=10` }) }
      await load(origin, spec, { connections: 32, duration: 3 })
      if (capacity === 0) {
        // closed loop, enough connections to keep the scorer busy: what the service serves flat out
        capacity = (await load(origin, spec, { connections: 64, duration: args['step-seconds'] })).reqs
        process.stderr.write(`capacity (closed loop, 64 connections, shedding ${mode.name}): ${capacity.toFixed(0)} req/s\n`)
        await settle(origin)
      }
      for (const multiple of multiples) {
        if (Date.now() > deadline) break
        const rate = Math.max(1, Math.round(capacity * multiple))
        const step = await offer(origin, {
          rate, seconds: args['step-seconds'], connections: args.connections, timeoutSeconds: args['timeout-seconds'], sloMs: args['slo-ms'], path: () => spec.next().path
        })
        rows.push(row(mode.name, multiple, step))
        process.stderr.write(`${rows[rows.length - 1].join('  ')}\n`)
        await settle(origin)
      }
    } catch (err) {
      process.stderr.write(`the service's log ends:\n${await logTail(logFile)}\n`)
      throw err
    } finally {
      await resources.stop(service)
    }
  }

  process.stdout.write(`\n${table(rows)}\n\n`)
  process.stdout.write(`${catalogue.name}: GET /recommend?userId=<random>&k=10 with CACHE_TTL_MS=0 (every request scored); ` +
    `capacity ${capacity.toFixed(0)} req/s (closed loop, 64 connections); hello-world ${helloRun.reqs.toFixed(0)} req/s (50 connections) in the same run\n`)
  process.stdout.write(`open loop over at most ${args.connections} sockets, ${args['step-seconds']} s a step, latency from when a request was due; ` +
    `goodput = 2xx received during the step; in time = 2xx within ${args['slo-ms']} ms of being due; failed = not answered within ${args['timeout-seconds']} s, resets and statuses other than 2xx/503; loop delay = mean event-loop delay minus 10 ms (load shedding compares this or how late its sample was, whichever is larger)\n`)
}

/** Waits until the service answers readiness quickly again (queued work done, pressure gone), at most 20 s. */
async function settle (origin: string): Promise<void> {
  const until = Date.now() + 20_000
  while (Date.now() < until) {
    const started = performance.now()
    const ok = await fetch(`${origin}/health/ready`).then((r) => r.ok, () => false)
    if (ok && performance.now() - started < 50) break
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  await new Promise((resolve) => setTimeout(resolve, 1000))
}

function row (mode: string, multiple: number, s: StepResult): string[] {
  return [mode, `${multiple}x`, s.offered.toFixed(0), s.goodput.toFixed(0), s.inTime.toFixed(0), `${(100 * s.shedShare).toFixed(1)}%`,
    String(s.failed), s.p50.toFixed(0), s.p99.toFixed(0), s.loopDelayMs.toFixed(1)]
}

function table (rows: string[][]): string {
  const header = ['shedding', 'load', 'offered/s', 'goodput/s', 'in time/s', '503', 'failed', 'p50 ms', 'p99 ms', 'loop delay ms']
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)))
  return all.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ')).join('\n')
}

function numbers (list: string, name: string): number[] {
  const values = list.split(',').map(Number)
  if (values.length === 0 || values.some((v) => !(v > 0))) throw new Error(`--${name} takes positive numbers separated by commas, got "${list}"`)
  return values
}

function pick (ids: readonly string[]): string {
  return encodeURIComponent(ids[Math.floor(Math.random() * ids.length)])
}

runCli(async () => { await main(process.argv.slice(2)) })
