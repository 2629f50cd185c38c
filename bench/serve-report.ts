/**
 * The tables bench/serve.ts prints: figures per scenario next to their targets, what the service
 * reported about the same runs (cache hits, sources, micro-batch sizes), and the soak.
 */
import { markdownTable } from '../src/cli/table.js'
import type { Scenario } from './serve-scenarios.js'
import { median, spread, type Run } from './serve-load.js'

export type CatalogueKind = 'ml1m' | '100k' | '1m'

export interface Measured {
  scenario: Scenario
  catalogue: string
  kind: CatalogueKind
  store: 'memory' | 'redis'
  runs: Run[]
  hello: Run[]
  /** From /metrics deltas over the measured runs. */
  cacheHits: number
  recommendations: number
  student: number
  batches: number
  batchedRequests: number
  scoringSeconds: number
  /** CPU microseconds per request of each measured run, service and hello-world (Linux only; see serve-cpu.ts). */
  cpu?: { service: number[], hello: number[] }
}

interface Target { text: string, met: (m: Measured) => boolean }

const reqs = (m: Measured): number => median(m.runs.map((r) => r.reqs))
const p99 = (m: Measured): number => median(m.runs.map((r) => r.p99))
export const ratio = (m: Measured): number => median(m.runs.map((r, i) => r.reqs / m.hello[i].reqs))

/** The targets: hits near hello-world, misses within a latency budget per catalogue size. */
export function targetOf (m: Measured): Target | undefined {
  // issue 20: cache hits at half of hello-world's req/s or better
  if (m.scenario.service === 'cached') return { text: 'ratio >= 0.50', met: (x) => ratio(x) >= 0.5 }
  if (!m.scenario.miss) return undefined
  if (m.kind === 'ml1m') return { text: 'ratio >= 0.40, p99 <= 15 ms', met: (x) => ratio(x) >= 0.40 && p99(x) <= 15 }
  // issue 20's targets
  if (m.kind === '1m') return { text: '>= 2,000 req/s, p99 <= 50 ms', met: (x) => reqs(x) >= 2000 && p99(x) <= 50 }
  return { text: '>= 3,000 req/s, p99 <= 30 ms', met: (x) => reqs(x) >= 3000 && p99(x) <= 30 }
}

export function figuresTable (rows: readonly Measured[]): string {
  return markdownTable(
    ['scenario', 'catalogue', 'store', 'req/s', 'req/s spread', 'entries/s', 'p50 ms', 'p99 ms', 'non-2xx + errors', 'hello req/s', 'ratio to hello', 'target', 'met'],
    rows.map((m) => {
      const target = targetOf(m)
      const ratios = m.runs.map((r, i) => r.reqs / m.hello[i].reqs)
      return [
        m.scenario.name,
        m.catalogue,
        m.store,
        reqs(m).toFixed(0),
        spread(m.runs.map((r) => r.reqs)),
        m.scenario.entries > 1 ? (reqs(m) * m.scenario.entries).toFixed(0) : '–',
        String(median(m.runs.map((r) => r.p50))),
        String(p99(m)),
        String(m.runs.reduce((s, r) => s + r.errors + r.non2xx, 0)),
        median(m.hello.map((r) => r.reqs)).toFixed(0),
        `${ratio(m).toFixed(3)} (${spread(ratios, 3)})`,
        target?.text ?? '–',
        target === undefined ? '–' : target.met(m) ? 'yes' : 'NO'
      ]
    })
  )
}

export function diagnosticsTable (rows: readonly Measured[]): string {
  const pct = (part: number, whole: number): string => whole === 0 ? '–' : `${(100 * part / whole).toFixed(1)}%`
  return markdownTable(
    ['scenario', 'catalogue', 'store', 'recommendations', 'cache hits', 'source student', 'micro-batches', 'mean micro-batch', 'ms per micro-batch', 'scoring s per measured s', 'hello non-2xx + errors'],
    rows.map((m) => [
      m.scenario.name,
      m.catalogue,
      m.store,
      String(m.recommendations),
      pct(m.cacheHits, m.recommendations),
      pct(m.student, m.recommendations),
      String(m.batches),
      m.batches === 0 ? '–' : (m.batchedRequests / m.batches).toFixed(1),
      m.batches === 0 ? '–' : (1000 * m.scoringSeconds / m.batches).toFixed(2),
      (m.scoringSeconds / m.runs.reduce((s, r) => s + r.seconds, 0)).toFixed(2),
      String(m.hello.reduce((s, r) => s + r.errors + r.non2xx, 0))
    ])
  )
}

export interface SoakSample { requests: number, tensors: number, heapBytes: number, rssBytes: number }

export interface Soak {
  catalogue: string
  run: Run
  start: SoakSample
  end: SoakSample
  /** /metrics readings taken every few seconds while the soak ran. */
  samples: SoakSample[]
}

/**
 * GC makes any one heap reading noisy (garbage not yet collected counts as used), so the heap is
 * judged by its floor: the lowest reading in the last third of the soak against the lowest in the
 * first third. A leak lifts the floor; a sawtooth does not.
 */
const HEAP_TOLERANCE = 0.10

export function soakTable (soak: Soak): string {
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1)
  const all = [soak.start, ...soak.samples, soak.end]
  const range = (pick: (s: SoakSample) => number, format: (v: number) => string): string =>
    `${format(Math.min(...all.map(pick)))}-${format(Math.max(...all.map(pick)))}`
  const third = Math.max(1, Math.floor(all.length / 3))
  const floor = (part: SoakSample[]): number => Math.min(...part.map((s) => s.heapBytes))
  const firstFloor = floor(all.slice(0, third))
  const lastFloor = floor(all.slice(-third))
  return markdownTable(
    ['figure', 'start (after warm-up)', 'end', `range over ${all.length} readings`, 'target', 'met'],
    [
      ['distillrec_tfjs_tensors', String(soak.start.tensors), String(soak.end.tensors), range((s) => s.tensors, String), 'flat (every reading = start)', all.every((s) => s.tensors === soak.start.tensors) ? 'yes' : 'NO'],
      ['nodejs_heap_size_used_bytes (MiB)', mib(soak.start.heapBytes), mib(soak.end.heapBytes), range((s) => s.heapBytes, mib), '–', '–'],
      [`heap floor: min of first / last ${third} readings (MiB)`, mib(firstFloor), mib(lastFloor), '–', `flat (last <= first + ${HEAP_TOLERANCE * 100}%)`, lastFloor <= firstFloor * (1 + HEAP_TOLERANCE) ? 'yes' : 'NO'],
      ['process_resident_memory_bytes (MiB)', mib(soak.start.rssBytes), mib(soak.end.rssBytes), range((s) => s.rssBytes, mib), '–', '–']
    ]
  )
}
