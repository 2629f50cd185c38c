/**
 * CPU of a cache miss's ranking in process, per request, exact and ANN alternated in one run:
 * a structured student of `--items` items (structured-student.ts, its ANN index cached in the OS
 * temp directory), StudentServable's encode + rank as serving calls them, `--concurrency` requests
 * submitted at once (what 50 connections give the micro-batcher), random histories of 5-20 items.
 * Prints CPU microseconds per request (process.cpuUsage, every thread: steadier than wall time on
 * a shared machine), the event loop's busy time per request (what the serving thread spends; the
 * ANN search runs on its own thread), median of --repeats rounds (min-max), and recall@10 of each
 * mode against exact.
 *   npm run bench:rank-cpu -- [--items 100000] [--requests 2000] [--concurrency 50] [--repeats 5] [--modes exact,ann,ann-inline]
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { Random } from '../src/data/random.js'
import { AnnIndex } from '../src/models/ann/ann-index.js'
import { selectBackend } from '../src/tf/backend.js'
import { PopularRanking } from '../src/serving/popular-ranking.js'
import { PopularityScorer } from '../src/models/popularity.js'
import { StudentServable } from '../src/serving/student-servable.js'
import { structuredStudent } from './structured-student.js'

const { values: args } = parseArgs({
  options: {
    items: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '50' },
    repeats: { type: 'string', default: '5' },
    modes: { type: 'string', default: 'exact,ann' },
    depth: { type: 'string', default: '30' }
  }
})
const [numItems, requests, concurrency, repeats, depth] = [args.items, args.requests, args.concurrency, args.repeats, args.depth].map(Number)
const modes = args.modes.split(',') as Array<'exact' | 'ann' | 'ann-inline'>

await selectBackend()
const { student, ann } = structuredStudent(numItems)
const encoder = student.encoder()
const itemIds = Array.from({ length: numItems }, (_, i) => `i${i}`)
student.dispose()
const popular = new PopularRanking(PopularityScorer.fromCounts(new Array<number>(numItems).fill(1)))
const servables = new Map(await Promise.all(modes.map(async (mode) => [mode, new StudentServable({
  version: 1,
  itemIds,
  encoder,
  popular,
  batch: { maxBatch: 64, maxWaitMs: 1 },
  // ann: memory-mapped, as a replica opens it, so searched on its own thread; ann-inline: held in memory, searched on the event loop
  ann: mode === 'ann' ? await AnnIndex.open(ann.bytes, ann.params) : mode === 'ann-inline' ? new AnnIndex(ann.bytes, ann.params) : undefined
})] as const)))

const rng = new Random(5)
const histories = Array.from({ length: requests }, () => Int32Array.from({ length: 5 + rng.int(16) }, () => rng.int(numItems)))

async function round (servable: StudentServable): Promise<{ cpuUs: number, loopUs: number, wallUs: number, tops: Int32Array[] }> {
  const tops: Int32Array[] = []
  const cpu = process.cpuUsage()
  const loop = performance.eventLoopUtilization()
  const started = performance.now()
  for (let start = 0; start < requests; start += concurrency) {
    const group = histories.slice(start, start + concurrency)
    const ranked = await Promise.all(group.map(async (h) => await servable.ranker.rank(servable.ranker.encode(h), depth, undefined)))
    for (const r of ranked) tops.push(r.items.subarray(0, 10))
  }
  const used = process.cpuUsage(cpu)
  const busy = performance.eventLoopUtilization(loop).active
  return { cpuUs: (used.user + used.system) / requests, loopUs: busy * 1000 / requests, wallUs: (performance.now() - started) * 1000 / requests, tops }
}

const figures = new Map(modes.map((m) => [m, { cpu: [] as number[], loop: [] as number[], wall: [] as number[], tops: [] as Int32Array[] }]))
for (const mode of modes) await round(servables.get(mode)!)
for (let r = 0; r < repeats; r++) {
  for (const mode of modes) {
    const result = await round(servables.get(mode)!)
    const f = figures.get(mode)!
    f.cpu.push(result.cpuUs)
    f.loop.push(result.loopUs)
    f.wall.push(result.wallUs)
    f.tops = result.tops
  }
}

/** Proportional set size from /proc (Linux), MB. */
function pssMb (): string {
  try {
    const kb = /^Pss:\s+(\d+) kB/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1]
    return kb === undefined ? '?' : `${(Number(kb) / 1e3).toFixed(0)} MB`
  } catch {
    return '?'
  }
}

const summary = (runs: number[]): string => {
  const s = [...runs].sort((a, b) => a - b)
  return `${s[s.length >> 1].toFixed(0)} (${s[0].toFixed(0)}-${s[s.length - 1].toFixed(0)})`
}
const exactTops = figures.get('exact')?.tops
console.log(`${numItems} items, ${requests} requests a round, ${concurrency} at once, depth ${depth}; median of ${repeats} rounds (min-max)`)
for (const [mode, f] of figures) {
  let recall = ''
  if (exactTops !== undefined && mode !== 'exact') {
    let hits = 0
    f.tops.forEach((top, i) => { const want = new Set(exactTops[i]); for (const x of top) if (want.has(x)) hits++ })
    recall = `, recall@10 vs exact ${(hits / (10 * f.tops.length)).toFixed(4)}`
  }
  console.log(`${mode.padEnd(10)}: CPU ${summary(f.cpu)} us/request (event loop busy ${summary(f.loop)}), wall ${summary(f.wall)} us/request${recall}`)
}
console.log(`after the rounds (every mode's servable loaded): RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB, PSS ${pssMb()} (a file mapped twice counts twice in RSS, once in PSS)`)
for (const s of servables.values()) s.dispose()
