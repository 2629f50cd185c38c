import * as tf from '@tensorflow/tfjs'
import { AnnIndex, buildAnnIndex } from '../../models/ann/ann-index.js'
import type { Teacher } from '../../models/teacher.js'
import type { TrainingPositions } from '../training/training-positions.js'
import { MASKED, nonFinite, TeacherTargets, teacherWindows, windowOrder, windowStates, type TeacherWindow } from './teacher-targets.js'

/**
 * Teacher targets on a large catalogue from a candidate set instead of every item. The exact path
 * (computeTeacherTargets) scores every item at every position: at 1,000,000 items a position
 * costs about 590 ms there, so a run of millions of positions cannot finish. Here an HNSW index
 * (usearch, L2 over the MIPS transform: the same index serving uses) is built once over the
 * teacher's item table; each position's state fetches its `fetch` nearest items, which are scored
 * exactly (state . item) with the history's own items left out, and the best `topN` are kept.
 *
 * The approximation: an item of the exact top-N that the graph search misses is replaced by the
 * next candidate, so the support is slightly different and its logits are exact. `recall` is
 * measured against exact top-N on `recallSample` positions spread over the run (the log and the
 * result say it), so a run states how close its targets are.
 */
export interface CandidateTargetsOptions {
  topN: number
  /** Candidates fetched from the index per position (at least topN). */
  fetch: number
  /** Windows per forward pass. */
  batchSize?: number
  /** Also keep the teacher's item embeddings (for the hint loss). */
  withItemEmbeddings?: boolean
  /** Positions whose approximate top-N is compared with the exact one (0: none). */
  recallSample?: number
  /** Threads of the index build and search (0: every core). */
  threads?: number
  onProgress?: (done: number, total: number) => void
}

export interface CandidateTargetsResult {
  targets: TeacherTargets
  /** Mean |approximate top-N ∩ exact top-N| / N over the sample; null without a sample. */
  recall: number | null
  /** Same at the top 10. */
  recall10: number | null
  sampled: number
  buildSeconds: number
  seconds: number
}

export function candidateTeacherTargets (teacher: Teacher, train: readonly Int32Array[], positions: TrainingPositions,
  options: CandidateTargetsOptions): CandidateTargetsResult {
  const started = performance.now()
  const { topN } = options
  const fetch = Math.max(options.fetch, topN)
  const batchSize = options.batchSize ?? 64
  const threads = options.threads ?? 0
  const dim = teacher.config.dim
  const numItems = teacher.numItems
  const tableTensor = teacher.itemEmbeddings()
  const table = tableTensor.dataSync() as Float32Array
  tableTensor.dispose()
  const built = buildAnnIndex(table, dim, { threads })
  const index = new AnnIndex(built.bytes, built.params, fetch)
  const buildSeconds = (performance.now() - started) / 1000
  const size = positions.users.length
  const items = new Int32Array(size * topN)
  const logits = new Float32Array(size * topN)
  const sample = recallPositions(size, options.recallSample ?? 0)
  const sampled = new Map<number, Float32Array>()
  const seen = new Uint8Array(numItems + 1)
  const best = new TopN(topN)
  try {
    const windows: TeacherWindow[] = teacherWindows(train, positions, teacher.config.maxLen)
    let done = 0
    for (let b = 0; b < windows.length; b += batchSize) {
      const batch = windows.slice(b, b + batchSize)
      const order = windowOrder(batch, positions)
      const statesTensor = tf.tidy(() => windowStates(teacher, train, batch, positions))
      const states = statesTensor.dataSync() as Float32Array
      statesTensor.dispose()
      const bad = states.findIndex((x) => !Number.isFinite(x))
      if (bad >= 0) throw nonFinite('the teacher', positions.users[order[Math.floor(bad / dim)]])
      const found = index.search(states, order.length, fetch, threads)
      order.forEach((p, r) => {
        const history = train[positions.users[p]].subarray(0, positions.ends[p])
        for (const item of history) seen[item] = 1
        best.clear()
        const count = Number(found.counts[r])
        for (let j = 0; j < count; j++) {
          const item = Number(found.keys[r * found.fetch + j])
          if (seen[item] === 1) continue
          best.offer(item, dot(states, r * dim, table, item * dim, dim))
        }
        for (const item of history) seen[item] = 0
        best.write(items, logits, p * topN)
        if (sample.has(p)) sampled.set(p, states.slice(r * dim, (r + 1) * dim))
      })
      done += order.length
      options.onProgress?.(done, size)
    }
  } finally {
    index.dispose()
  }
  const { recall, recall10 } = measureRecall(sampled, table, numItems, dim, train, positions, items, topN)
  const embeddings = options.withItemEmbeddings ? table : undefined
  return {
    targets: new TeacherTargets(positions, topN, items, logits, embeddings, embeddings ? dim : 0),
    recall,
    recall10,
    sampled: sampled.size,
    buildSeconds,
    seconds: (performance.now() - started) / 1000
  }
}

/** `count` positions spread evenly over [0, size). */
function recallPositions (size: number, count: number): Set<number> {
  const out = new Set<number>()
  const n = Math.min(count, size)
  for (let i = 0; i < n; i++) out.add(Math.floor((i + 0.5) * size / n))
  return out
}

/** Exact top-N over every item (history left out) at each sampled position, against the kept targets. */
function measureRecall (sampled: ReadonlyMap<number, Float32Array>, table: Float32Array, numItems: number, dim: number,
  train: readonly Int32Array[], positions: TrainingPositions, items: Int32Array, topN: number): { recall: number | null, recall10: number | null } {
  if (sampled.size === 0) return { recall: null, recall10: null }
  const k10 = Math.min(10, topN)
  const exact = new TopN(topN)
  const seen = new Uint8Array(numItems + 1)
  const exactItems = new Int32Array(topN)
  const unused = new Float32Array(topN)
  let hits = 0
  let hits10 = 0
  for (const [p, state] of sampled) {
    const history = train[positions.users[p]].subarray(0, positions.ends[p])
    for (const item of history) seen[item] = 1
    exact.clear()
    for (let item = 0; item < numItems; item++) if (seen[item] === 0) exact.offer(item, dot(state, 0, table, item * dim, dim))
    for (const item of history) seen[item] = 0
    exact.write(exactItems, unused, 0)
    const kept = items.subarray(p * topN, (p + 1) * topN)
    const keptSet = new Set(kept)
    const kept10 = new Set(kept.subarray(0, k10))
    for (let n = 0; n < topN; n++) if (keptSet.has(exactItems[n])) hits++
    for (let n = 0; n < k10; n++) if (kept10.has(exactItems[n])) hits10++
  }
  return { recall: hits / (sampled.size * topN), recall10: hits10 / (sampled.size * k10) }
}

function dot (a: Float32Array, aAt: number, b: Float32Array, bAt: number, dim: number): number {
  let s = 0
  for (let d = 0; d < dim; d++) s += a[aAt + d] * b[bAt + d]
  return s
}

/**
 * The best n (item, score) pairs offered, kept sorted best first (ties: the earlier offer).
 * Fewer than n offered: written padded with the last item at a logit of MASKED (zero probability).
 */
class TopN {
  readonly #items: Int32Array
  readonly #scores: Float64Array
  #size = 0

  constructor (readonly n: number) {
    this.#items = new Int32Array(n)
    this.#scores = new Float64Array(n)
  }

  clear (): void {
    this.#size = 0
  }

  offer (item: number, score: number): void {
    if (this.#size === this.n && score <= this.#scores[this.n - 1]) return
    let at = this.#size < this.n ? this.#size++ : this.n - 1
    while (at > 0 && this.#scores[at - 1] < score) {
      this.#scores[at] = this.#scores[at - 1]
      this.#items[at] = this.#items[at - 1]
      at--
    }
    this.#scores[at] = score
    this.#items[at] = item
  }

  write (items: Int32Array, logits: Float32Array, at: number): void {
    for (let k = 0; k < this.n; k++) {
      const src = Math.min(k, this.#size - 1)
      items[at + k] = src < 0 ? 0 : this.#items[src]
      logits[at + k] = k < this.#size ? this.#scores[src] : MASKED
    }
  }
}
