/**
 * How bench/serve.ts measures one scenario on a running service (alternating with hello-world)
 * and how it soaks one, reading /metrics around the load.
 */
import { cpuPerRequestUs, processCpuMs } from './process-cpu.js'
import type { Catalogue } from './serve-catalogues.js'
import { load, metricValue, scrape, type LoadOptions, type Run } from './serve-load.js'
import type { CatalogueKind, Measured, Soak, SoakSample } from './serve-report.js'
import { randomHistoryScenario, type Scenario } from './serve-scenarios.js'

const SOAK_SAMPLE_MS = 5000

export interface LoadPlan {
  connections: number
  /** Seconds per measured run. */
  duration: number
  repeats: number
  /** Unmeasured load before each scenario, seconds (0 = none). */
  warmSeconds: number
}

export interface MeasureContext {
  scenario: Scenario
  /** The service and the hello-world server. */
  origin: string
  hello: string
  catalogue: string
  kind: CatalogueKind
  store: 'memory' | 'redis'
  /** Process ids of the service and the hello-world server, for their CPU per request. */
  pids?: { service?: number, hello?: number }
}

/**
 * The scenario's repeats, each a hello-world run then a service run with the same requests, after
 * an unmeasured warm-up; what the service counted comes from /metrics before and after.
 */
export async function measure (plan: LoadPlan, { scenario, origin, hello, catalogue, kind, store, pids }: MeasureContext): Promise<Measured> {
  await check(origin, scenario)
  const options: LoadOptions = { connections: plan.connections, duration: plan.duration }
  const warm: LoadOptions = { connections: plan.connections, duration: plan.warmSeconds }
  if (plan.warmSeconds > 0) {
    await load(hello, scenario.spec('/hello'), warm)
    await warmPaths(origin, scenario)
    await load(origin, scenario.spec(scenario.route), warm)
  }
  const before = await scrape(origin)
  const runs: Run[] = []
  const helloRuns: Run[] = []
  const cpu = { service: [] as number[], hello: [] as number[] }
  const measured = async (pid: number | undefined, into: number[], run: () => Promise<Run>): Promise<Run> => {
    const before = processCpuMs(pid)
    const result = await run()
    const us = cpuPerRequestUs(before, processCpuMs(pid), result.total)
    if (us !== undefined) into.push(us)
    return result
  }
  for (let i = 0; i < plan.repeats; i++) {
    helloRuns.push(await measured(pids?.hello, cpu.hello, async () => await load(hello, scenario.spec('/hello'), options)))
    await warmPaths(origin, scenario)
    runs.push(await measured(pids?.service, cpu.service, async () => await load(origin, scenario.spec(scenario.route), options)))
  }
  const after = await scrape(origin)
  const delta = (name: string, labels?: Record<string, string>): number => metricValue(after, name, labels) - metricValue(before, name, labels)
  return {
    scenario,
    catalogue,
    kind,
    store,
    runs,
    hello: helloRuns,
    cacheHits: delta('distillrec_cache_requests_total', { result: 'hit' }),
    recommendations: delta('distillrec_recommendations_total'),
    student: delta('distillrec_recommendations_total', { source: 'student' }),
    batches: delta('distillrec_scoring_batch_size_count'),
    batchedRequests: delta('distillrec_scoring_batch_size_sum'),
    scoringSeconds: delta('distillrec_scoring_duration_seconds_sum'),
    ...(cpu.service.length === plan.repeats && cpu.hello.length === plan.repeats ? { cpu } : {})
  }
}

/** One request of the scenario, checked by hand: a 200 from the student with k items per entry. */
async function check (origin: string, scenario: Scenario): Promise<void> {
  const spec = scenario.spec(scenario.route)
  const { path, body } = spec.next()
  const response = await fetch(origin + path, { method: spec.method, body, headers: body === undefined ? {} : { 'content-type': 'application/json' } })
  const text = await response.text()
  if (!response.ok) throw new Error(`${scenario.name}: ${spec.method} ${path} answered ${response.status}: ${text.slice(0, 300)}`)
  const parsed = JSON.parse(text) as { results?: unknown[] }
  const answers = (parsed.results ?? [parsed]) as Array<{ source?: string, items?: unknown[] }>
  const bad = answers.filter((a) => a.source !== 'student' || a.items?.length !== 10)
  if (answers.length !== scenario.entries || bad.length > 0) {
    process.stderr.write(`warning: ${scenario.name}: ${answers.length} answers, ${bad.length} not 10 student items: ${text.slice(0, 300)}\n`)
  }
}

async function warmPaths (origin: string, scenario: Scenario): Promise<void> {
  for (const path of scenario.warmPaths ?? []) {
    const response = await fetch(origin + path)
    await response.arrayBuffer()
  }
}

/** `requests` cache-miss requests by random history, with /metrics read before, during and after. */
export async function runSoak (plan: LoadPlan, origin: string, catalogue: Catalogue, requests: number): Promise<Soak> {
  const spec = randomHistoryScenario(catalogue).spec('/recommend')
  const sample = async (): Promise<SoakSample> => {
    const text = await scrape(origin)
    return {
      requests: metricValue(text, 'distillrec_recommendations_total'),
      tensors: metricValue(text, 'distillrec_tfjs_tensors'),
      heapBytes: metricValue(text, 'nodejs_heap_size_used_bytes'),
      rssBytes: metricValue(text, 'process_resident_memory_bytes')
    }
  }
  process.stderr.write(`soak: ${requests} cache-miss requests on ${catalogue.name}\n`)
  await load(origin, spec, { connections: plan.connections, duration: Math.max(plan.warmSeconds, 2) })
  const start = await sample()
  const samples: SoakSample[] = []
  const timer = setInterval(() => { sample().then((s) => samples.push(s), () => {}) }, SOAK_SAMPLE_MS)
  let run: Run
  try {
    run = await load(origin, spec, { connections: plan.connections, amount: requests })
  } finally {
    clearInterval(timer)
  }
  return { catalogue: catalogue.name, run, start, end: await sample(), samples }
}
