import { setImmediate as yieldToLoop } from 'node:timers/promises'
import type { AnnIndex } from '../models/ann/ann-index.js'
import type { CompactMatrix } from '../models/compact-matrix.js'
import { topK } from '../models/top-k.js'
import type { RankJob } from './block-ranker.js'
import type { Allowed, RankedItems } from './servable.js'

/**
 * Candidates fetched from the index per user: at least MIN_FETCH, at least OVER_FETCH x depth,
 * divided by the share of items a filter allows (a genre allowing 10% of items fetches 10x).
 * Measured by bench:serve's recall@10 against exact scoring (README).
 */
export const MIN_FETCH = 160
export const OVER_FETCH = 2
/** Past this many candidates the graph search costs more than scanning the allowed rows. */
export const MAX_FETCH = 4096
/** Users searched in one native call: about 3-5 ms of the event loop at 1,000,000 items here. */
const SEARCH_BATCH = 16
const SLICE_MS = 3

/**
 * Items every user's candidates include, scored exactly: the highest item biases. Measured on
 * 1,000,000 student-shaped items (bench:ann-sweep): every exact top-10 item the graph missed was
 * among the 1,024 highest-bias items, whatever the search breadth (recall held at 0.77 from ef
 * 128 to 1,024): the MIPS transform sets these small-norm items apart from the bulk of the graph.
 */
export const HEAD_ITEMS = 1024

/** What rankBatchAnn searches: the index, the matrix it re-ranks with, and the head always scored. */
export interface AnnRetrieval {
  index: AnnIndex
  matrix: CompactMatrix
  /** Ascending item indices added to every user's candidates. */
  head: Int32Array
}

/** The HEAD_ITEMS items of highest bias (the matrix's last column), ascending (all of a smaller catalogue); none without a bias column. */
export function biasHead (matrix: CompactMatrix, hasBias: boolean, size = HEAD_ITEMS): Int32Array {
  if (!hasBias) return new Int32Array(0)
  if (matrix.rows <= size) return Int32Array.from({ length: matrix.rows }, (_, i) => i)
  const unit = new Float32Array(matrix.width)
  unit[matrix.width - 1] = 1
  const bias = new Float32Array(matrix.rows)
  for (let i = 0; i < matrix.rows; i++) bias[i] = matrix.dot(i, unit)
  return Int32Array.from(topK(bias, size), (s) => s.index).sort()
}

/** Allowed items of a mask, counted once per mask (a genre filter's mask is cached by the catalog). */
const allowedCounts = new WeakMap<Uint8Array, number>()

function allowedCount (allowed: Allowed, total: number): number {
  if (allowed === undefined) return total
  let count = allowedCounts.get(allowed)
  if (count === undefined) {
    count = 0
    for (let i = 0; i < allowed.length; i++) if (allowed[i] !== 0) count++
    allowedCounts.set(allowed, count)
  }
  return count
}

/** How many candidates to fetch for one job; undefined when an exact scan is the cheaper way. */
export function fetchCount (depth: number, allowed: Allowed, total: number): number | undefined {
  const count = allowedCount(allowed, total)
  if (count === 0) return 0
  const wanted = Math.ceil(Math.max(MIN_FETCH, OVER_FETCH * depth) * total / count)
  return wanted > MAX_FETCH || wanted >= total ? undefined : wanted
}

/**
 * Ranks a batch of user vectors by approximate retrieval with exact re-ranking: the index returns
 * each user's nearest candidates (MIPS, bias folded in), which with the head are filtered by
 * `allowed` and scored exactly
 * against the item matrix; a user whose filter is too selective for the graph, or for whom fewer
 * than `depth` allowed candidates came back while more items are allowed, is scored exactly over
 * the allowed rows instead. The order is topK's (higher score, then lower index).
 */
export async function rankBatchAnn ({ index, matrix, head }: AnnRetrieval, jobs: readonly RankJob[]): Promise<RankedItems[]> {
  const results = new Array<RankedItems | undefined>(jobs.length)
  const total = matrix.rows
  const viaIndex: number[] = []
  jobs.forEach((job, r) => {
    const fetch = fetchCount(job.depth, job.allowed, total)
    if (fetch === 0) results[r] = { items: new Int32Array(0), scores: new Float32Array(0) }
    else if (fetch !== undefined) viaIndex.push(r)
  })
  let sliceStart = performance.now()
  const pause = async (): Promise<void> => {
    if (performance.now() - sliceStart <= SLICE_MS) return
    await yieldToLoop()
    sliceStart = performance.now()
  }
  for (let start = 0; start < viaIndex.length; start += SEARCH_BATCH) {
    const group = viaIndex.slice(start, start + SEARCH_BATCH)
    const fetch = Math.max(...group.map((r) => fetchCount(jobs[r].depth, jobs[r].allowed, total)!))
    const queries = new Float32Array(group.length * matrix.width)
    group.forEach((r, g) => queries.set(jobs[r].vector, g * matrix.width))
    const found = index.search(queries, group.length, fetch)
    group.forEach((r, g) => {
      const { depth, allowed, vector } = jobs[r]
      const offset = g * found.fetch
      const fromGraph = new Int32Array(Number(found.counts[g]))
      for (let j = 0; j < fromGraph.length; j++) fromGraph[j] = Number(found.keys[offset + j])
      const candidates = withHead(fromGraph.sort(), head)
      const kept = allowed === undefined ? candidates : candidates.filter((i) => allowed[i] !== 0)
      const enough = Math.min(depth, allowedCount(allowed, total))
      if (kept.length >= enough) results[r] = rerank(matrix, vector, kept, depth)
    })
    await pause()
  }
  for (let r = 0; r < jobs.length; r++) {
    if (results[r] !== undefined) continue
    results[r] = scanExact(matrix, jobs[r])
    await pause()
  }
  return results as RankedItems[]
}

/** The union of two ascending index lists, ascending. */
function withHead (candidates: Int32Array, head: Int32Array): Int32Array {
  if (head.length === 0) return candidates
  const out = new Int32Array(candidates.length + head.length)
  let a = 0
  let b = 0
  let n = 0
  while (a < candidates.length || b < head.length) {
    const next = b >= head.length || (a < candidates.length && candidates[a] <= head[b]) ? candidates[a++] : head[b++]
    if (n === 0 || out[n - 1] !== next) out[n++] = next
  }
  return out.subarray(0, n)
}

/** Exact scores of ascending candidate indices, cut to the best `depth`. */
function rerank (matrix: CompactMatrix, vector: Float32Array, candidates: Int32Array, depth: number): RankedItems {
  const scores = matrix.scoreRows(candidates, candidates.length, vector, new Float32Array(candidates.length))
  const best = topK(scores, depth)
  return { items: Int32Array.from(best, (b) => candidates[b.index]), scores: Float32Array.from(best, (b) => b.score) }
}

/** Every allowed row scored exactly: a selective filter's path, and the fallback. */
function scanExact (matrix: CompactMatrix, { vector, depth, allowed }: RankJob): RankedItems {
  const scores = new Float32Array(matrix.rows)
  for (let i = 0; i < matrix.rows; i++) scores[i] = allowed === undefined || allowed[i] !== 0 ? matrix.dot(i, vector) : NaN
  const best = topK(scores, depth)
  return { items: Int32Array.from(best, (b) => b.index), scores: Float32Array.from(best, (b) => b.score) }
}
