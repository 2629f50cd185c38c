/**
 * `npm run bench:ann-libraries -- --items 100000,1000000 [--queries 200] [--hnswlib-max 200000]`:
 * usearch against hnswlib-node on student-shaped vectors (ann-vectors.ts): build seconds, query
 * microseconds (one user per call, one thread; and a batch of 64 on usearch's threads), and
 * recall@10 of the re-ranked candidates against exact inner-product top-10, for plain
 * inner-product HNSW and for the MIPS -> L2 transform (one extra dimension, see mips.ts).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Index, MetricKind, ScalarKind } from 'usearch'
import { exactTopK, recallAt, studentLikeVectors } from './ann-vectors.js'
import { mipsItems, mipsQuery } from '../src/models/ann/mips.js'

/** The part of hnswlib-node's API used here (it is not a dependency: see below). */
interface Hnswlib {
  HierarchicalNSW: new (space: 'ip' | 'l2', dims: number) => {
    initIndex: (maxElements: number, m: number, efConstruction: number, seed: number) => void
    setEf: (ef: number) => void
    addPoint: (point: number[], label: number) => void
    searchKnn: (query: number[], k: number) => { neighbors: number[] }
  }
}

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '200' },
    'hnswlib-max': { type: 'string', default: '200000' },
    fetch: { type: 'string', default: '100' },
    'expansion-add': { type: 'string', default: '128' },
    only: { type: 'string', default: '' }
  }
})
const sizes = values.items.split(',').map(Number)
const queries = Number(values.queries)
const fetch = Number(values.fetch)
const K = 10

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

function rerank (items: Float32Array, width: number, user: Float32Array, candidates: ArrayLike<number>): number[] {
  const scored = Array.from(candidates, (i) => {
    let s = 0
    for (let d = 0; d < width; d++) s += items[i * width + d] * user[d]
    return { i, s }
  })
  return scored.sort((a, b) => b.s - a.s || a.i - b.i).slice(0, K).map((x) => x.i)
}

for (const n of sizes) {
  const { items, users, width } = studentLikeVectors(n, queries)
  const user = (q: number): Float32Array => users.subarray(q * width, (q + 1) * width)
  let started = performance.now()
  const exact = Array.from({ length: queries }, (_, q) => exactTopK(items, width, user(q), K))
  const exactMs = (performance.now() - started) / queries
  console.log(`\n${n} items, width ${width}; exact JS brute force ${exactMs.toFixed(1)} ms/user`)
  const transformed = mipsItems(items, width)
  const keys = BigUint64Array.from({ length: n }, (_, i) => BigInt(i))

  for (const [label, metric, quantization, data, dims] of [
    ['usearch ip f32', MetricKind.IP, ScalarKind.F32, items, width],
    ['usearch l2+mips f32', MetricKind.L2sq, ScalarKind.F32, transformed.vectors, width + 1],
    ['usearch l2+mips f16', MetricKind.L2sq, ScalarKind.F16, transformed.vectors, width + 1],
    ['usearch l2+mips i8', MetricKind.L2sq, ScalarKind.I8, transformed.vectors, width + 1]
  ] as const) {
    if (!label.includes(values.only)) continue
    const index = new Index({ metric, dimensions: dims, quantization, connectivity: 16, expansion_add: Number(values['expansion-add']), expansion_search: 2 * fetch, multi: false })
    started = performance.now()
    index.add(keys, data, 0)
    const buildS = (performance.now() - started) / 1000
    const dir = mkdtempSync(join(tmpdir(), 'ann-bench-'))
    index.save(join(dir, 'i.usearch'))
    const bytes = statSync(join(dir, 'i.usearch')).size
    rmSync(dir, { recursive: true })
    const times: number[] = []
    const recalls: number[] = []
    for (let q = 0; q < queries; q++) {
      const query = dims === width ? user(q) : mipsQuery(user(q))
      const t0 = performance.now()
      const found = index.search(query, fetch, 1)
      const ranked = rerank(items, width, user(q), Array.from(found.keys, Number))
      times.push((performance.now() - t0) * 1000)
      recalls.push(recallAt(ranked, exact[q]))
    }
    const batch = new Float32Array(64 * dims)
    for (let q = 0; q < 64; q++) batch.set(dims === width ? user(q) : mipsQuery(user(q)), q * dims)
    const tb = performance.now()
    index.search(batch, fetch, 0)
    const batchUs = (performance.now() - tb) * 1000 / 64
    console.log(`${label}: build ${buildS.toFixed(1)} s, file ${(bytes / 1e6).toFixed(1)} MB, query+rerank median ${median(times).toFixed(0)} us (p90 ${[...times].sort((a, b) => a - b)[Math.floor(0.9 * times.length)].toFixed(0)}), batch-64 ${batchUs.toFixed(0)} us/user, recall@10 ${(recalls.reduce((a, b) => a + b, 0) / queries).toFixed(4)}`)
  }

  // optional: hnswlib-node builds from C++ sources at install, so it is not a dependency
  const hnswlib = await import('hnswlib-node' as string).then((m: { default: Hnswlib }) => m.default).catch(() => undefined)
  if (hnswlib === undefined) {
    console.log('hnswlib-node: not installed (npm install --no-save hnswlib-node@3.0.0 to compare)')
  } else if (n <= Number(values['hnswlib-max']) && values.only === '') {
    for (const [label, space, data, dims] of [
      ['hnswlib ip', 'ip', items, width],
      ['hnswlib l2+mips', 'l2', transformed.vectors, width + 1]
    ] as const) {
      const index = new hnswlib.HierarchicalNSW(space, dims)
      index.initIndex(n, 16, 128, 100)
      index.setEf(2 * fetch)
      started = performance.now()
      for (let i = 0; i < n; i++) index.addPoint(Array.from(data.subarray(i * dims, (i + 1) * dims)), i)
      const buildS = (performance.now() - started) / 1000
      const times: number[] = []
      const recalls: number[] = []
      for (let q = 0; q < queries; q++) {
        const query = Array.from(dims === width ? user(q) : mipsQuery(user(q)))
        const t0 = performance.now()
        const found = index.searchKnn(query, fetch)
        const ranked = rerank(items, width, user(q), found.neighbors)
        times.push((performance.now() - t0) * 1000)
        recalls.push(recallAt(ranked, exact[q]))
      }
      console.log(`${label}: build ${buildS.toFixed(1)} s (one thread: the binding adds one point per call), query+rerank median ${median(times).toFixed(0)} us, recall@10 ${(recalls.reduce((a, b) => a + b, 0) / queries).toFixed(4)}`)
    }
  } else {
    console.log(`hnswlib-node: skipped above --hnswlib-max ${values['hnswlib-max']} (single-threaded build)`)
  }
}
