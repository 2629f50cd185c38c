import { setImmediate as yieldToLoop } from 'node:timers/promises'
import type { CompactMatrix } from '../models/compact-matrix.js'
import { topK, topKOf } from '../models/top-k.js'
import type { AnnRetrieval } from './ann-retrieval.js'
import type { RankJob } from './block-ranker.js'
import type { Allowed, RankedItems } from './servable.js'

/**
 * Candidates fetched from the index per user: at least MIN_FETCH, at least OVER_FETCH x depth,
 * divided by the share of items a filter allows (a genre allowing 10% of items fetches 10x).
 * With the head, the graph's share of recall saturates early: at 1,000,000 student-shaped items
 * (bench:ann-sweep, 300 users) recall@10 was 0.9697 at 64 candidates (ef 64) against 0.9727 at
 * 160 (ef 128), for about half the search CPU (62 against 138 us a query here). bench:serve's
 * recall@10 of the served list against exact scoring checks it end to end (README).
 */
export const MIN_FETCH = 64
export const OVER_FETCH = 2
/** Past this many candidates the graph search costs more than scanning the allowed rows. */
export const MAX_FETCH = 4096
/** Users searched in one native call on the event loop: about 1-2 ms of it at 1,000,000 items here. */
const SEARCH_BATCH = 16
/** Users in one request to the search thread: each message costs the event loop a fixed amount. */
const THREAD_SEARCH_BATCH = 64
const SLICE_MS = 3

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
 * each user's nearest candidates (MIPS, bias folded in; on the search thread when the retrieval has
 * one), which with the head (scored for the whole group at once) are filtered by `allowed` and
 * scored exactly against the item matrix; a user whose filter is too selective for the graph, or
 * for whom fewer than `depth` allowed candidates came back while more items are allowed, is scored
 * exactly over the allowed rows instead. The order is topK's (higher score, then lower index).
 */
export async function rankBatchAnn (retrieval: AnnRetrieval, jobs: readonly RankJob[]): Promise<RankedItems[]> {
  const { matrix, head, isHead } = retrieval
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
  // a group searches as widely as its widest member: users of like breadth go together, so one
  // user's selective filter does not widen everyone's search
  const fetches = new Map(viaIndex.map((r) => [r, fetchCount(jobs[r].depth, jobs[r].allowed, total)!]))
  viaIndex.sort((a, b) => fetches.get(a)! - fetches.get(b)! || a - b)
  const groups: Array<{ members: number[], queries: Float32Array, fetch: number }> = []
  const batch = retrieval.threaded ? THREAD_SEARCH_BATCH : SEARCH_BATCH
  for (let start = 0; start < viaIndex.length; start += batch) {
    const members = viaIndex.slice(start, start + batch)
    const queries = new Float32Array(members.length * matrix.width)
    members.forEach((r, g) => queries.set(jobs[r].vector, g * matrix.width))
    groups.push({ members, queries, fetch: fetches.get(members[members.length - 1])! })
  }
  // on the search thread every group's search is asked at once: the graph walks while this thread
  // scores heads and re-ranks; without it each group is searched here in turn
  const searches = retrieval.threaded ? groups.map(async (g) => await retrieval.search(g.queries, g.members.length, g.fetch)) : undefined
  for (const [n, { members, queries, fetch }] of groups.entries()) {
    const headScores = retrieval.headScores(queries, members.length)
    const found = await (searches?.[n] ?? retrieval.search(queries, members.length, fetch))
    const { rows, scores } = scratch(head.length + found.fetch)
    for (let g = 0; g < members.length; g++) {
      const r = members[g]
      const { depth, allowed, vector } = jobs[r]
      const fromHead = headScores.subarray(g * head.length, (g + 1) * head.length)
      let count = 0
      if (allowed === undefined) {
        rows.set(head)
        scores.set(fromHead)
        count = head.length
      } else {
        for (let j = 0; j < head.length; j++) {
          if (allowed[head[j]] === 0) continue
          rows[count] = head[j]
          scores[count++] = fromHead[j]
        }
      }
      const scored = count
      const from = g * found.fetch
      for (let j = 0; j < found.counts[g]; j++) {
        const item = found.items[from + j]
        if (isHead[item] === 0 && (allowed === undefined || allowed[item] !== 0)) rows[count++] = item
      }
      if (count < Math.min(depth, allowedCount(allowed, total))) continue
      matrix.scoreRows(rows.subarray(scored), count - scored, vector, scores.subarray(scored))
      results[r] = topKOf(rows, scores, count, depth)
    }
    await pause()
  }
  for (let r = 0; r < jobs.length; r++) {
    if (results[r] !== undefined) continue
    results[r] = scanExact(matrix, jobs[r])
    await pause()
  }
  return results as RankedItems[]
}

// one user's candidates and their scores, reused: a group is ranked synchronously
let candidateRows = new Int32Array(0)
let candidateScores = new Float32Array(0)

function scratch (size: number): { rows: Int32Array, scores: Float32Array } {
  if (candidateRows.length < size) {
    candidateRows = new Int32Array(size)
    candidateScores = new Float32Array(size)
  }
  return { rows: candidateRows, scores: candidateScores }
}

/** Every allowed row scored exactly: a selective filter's path, and the fallback. */
function scanExact (matrix: CompactMatrix, { vector, depth, allowed }: RankJob): RankedItems {
  const scores = new Float32Array(matrix.rows)
  for (let i = 0; i < matrix.rows; i++) scores[i] = allowed === undefined || allowed[i] !== 0 ? matrix.dot(i, vector) : NaN
  const best = topK(scores, depth)
  return { items: Int32Array.from(best, (b) => b.index), scores: Float32Array.from(best, (b) => b.score) }
}
