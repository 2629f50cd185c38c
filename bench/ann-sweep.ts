/**
 * `npm run bench:ann-sweep -- --items 1000000 [--queries 200] [--fetch 100,200,400] [--ef 128,256,512]`:
 * recall@10 (re-ranked candidates against exact inner-product top-10) and query microseconds of
 * the serving index (src/models/ann) as the candidate count and the search breadth grow, from the
 * graph alone and with the highest-bias head serving adds to every user's candidates. The
 * built index is cached in the OS temp directory by size and build settings, so a sweep at
 * 1,000,000 items builds once.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { AnnIndex, buildAnnIndex, ANN_DEFAULTS } from '../src/models/ann/ann-index.js'
import type { AnnParams } from '../src/models/ann/ann-params.js'
import { CompactMatrix } from '../src/models/compact-matrix.js'
import { biasHead } from '../src/serving/bias-head.js'
import { exactTopK, recallAt, studentLikeVectors } from './ann-vectors.js'

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '200' },
    fetch: { type: 'string', default: '100,200,400' },
    ef: { type: 'string', default: '128,256,512' },
    'expansion-add': { type: 'string', default: String(ANN_DEFAULTS.expansionAdd) },
    connectivity: { type: 'string', default: String(ANN_DEFAULTS.connectivity) }
  }
})
const n = Number(values.items)
const queries = Number(values.queries)
const K = 10
const { items, users, width } = studentLikeVectors(n, queries)
const cache = join(tmpdir(), `distillrec-ann-${n}-${values.connectivity}-${values['expansion-add']}.bin`)
const params: AnnParams = { library: 'usearch', metric: 'l2sq-mips', dimensions: width + 1, connectivity: Number(values.connectivity), expansionAdd: Number(values['expansion-add']) }
let bytes: Uint8Array
if (existsSync(cache)) {
  bytes = readFileSync(cache)
  console.log(`index from ${cache}`)
} else {
  const started = performance.now()
  bytes = buildAnnIndex(items, width, { connectivity: params.connectivity, expansionAdd: params.expansionAdd }).bytes
  console.log(`built ${n} items in ${((performance.now() - started) / 1000).toFixed(1)} s (connectivity ${params.connectivity}, expansion_add ${params.expansionAdd}), ${(bytes.byteLength / 1e6).toFixed(1)} MB`)
  writeFileSync(cache, bytes)
}
const user = (q: number): Float32Array => users.subarray(q * width, (q + 1) * width)
const exact = Array.from({ length: queries }, (_, q) => exactTopK(items, width, user(q), K))
const head = Array.from(biasHead(new CompactMatrix(items, width, 'float32'), true))
const top = (u: Float32Array, cands: number[]): number[] => cands.map((i) => {
  let s = 0
  for (let d = 0; d < width; d++) s += items[i * width + d] * u[d]
  return { i, s }
}).sort((a, b) => b.s - a.s).slice(0, K).map((x) => x.i)
for (const ef of values.ef.split(',').map(Number)) {
  const t0 = performance.now()
  const index = new AnnIndex(bytes, params, ef)
  const loadMs = performance.now() - t0
  for (const fetch of values.fetch.split(',').map(Number)) {
    let recall = 0
    let withHead = 0
    const started = performance.now()
    for (let q = 0; q < queries; q += 16) {
      const count = Math.min(16, queries - q)
      const found = index.search(users.subarray(q * width, (q + count) * width), count, fetch)
      for (let g = 0; g < count; g++) {
        const cands = Array.from(found.keys.subarray(g * found.fetch, g * found.fetch + Number(found.counts[g])), Number)
        recall += recallAt(top(user(q + g), cands), exact[q + g])
        withHead += recallAt(top(user(q + g), [...new Set([...cands, ...head])]), exact[q + g])
      }
    }
    const us = (performance.now() - started) * 1000 / queries
    console.log(`ef ${ef} fetch ${fetch}: recall@10 graph ${(recall / queries).toFixed(4)}, graph + ${head.length} head ${(withHead / queries).toFixed(4)}; ${us.toFixed(0)} us/user (batches of 16, one thread, both re-ranks included; load ${loadMs.toFixed(0)} ms)`)
  }
  index.dispose()
}
