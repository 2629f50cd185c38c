import * as tf from '@tensorflow/tfjs'
import type { Scorer } from '../../models/scorer.js'
import type { Teacher } from '../../models/teacher.js'
import { padWindows } from '../../models/windows.js'
import { topK } from '../../models/top-k.js'
import { matMul2d } from '../../tf/matmul.js'
import { DistillError } from '../distill-error.js'
import { trainingPositions, type TrainingPositions } from '../training/training-positions.js'

/**
 * A teacher's soft targets, computed once per teacher version and reused by every student run:
 * for training position p, its top-N items `items[p*N ..]` (best first) and their logits.
 * `covered[p]` is 0 at a position the teacher said nothing about (a per-user list covers a user's
 * latest positions only): it trains on the task loss alone. Absent, every position is covered.
 * Memory is P·N·8 bytes: on ML-1M (~0.99M positions with every position kept) N = 32 takes
 * ~250 MB and N = 100 ~790 MB; keeping each user's last 50 positions (~0.27M) and N = 32, ~70 MB.
 * `itemEmbeddings` (numItems x embeddingDim, row-major) feed the hint loss when present.
 */
export class TeacherTargets {
  constructor (
    readonly positions: TrainingPositions,
    readonly topN: number,
    readonly items: Int32Array,
    readonly logits: Float32Array,
    readonly itemEmbeddings?: Float32Array,
    readonly embeddingDim = 0,
    readonly covered?: Uint8Array
  ) {
    const expected = positions.users.length * topN
    if (items.length !== expected || logits.length !== expected) {
      throw new DistillError('TEACHER_TARGETS_INVALID', `targets hold ${items.length} items and ${logits.length} logits, expected ${expected}`)
    }
    if (covered !== undefined && covered.length !== positions.users.length) {
      throw new DistillError('TEACHER_TARGETS_INVALID', `targets mark ${covered.length} positions covered or not, expected ${positions.users.length}`)
    }
  }

  get size (): number {
    return this.positions.users.length
  }

  /** Positions the teacher gave targets for. */
  get coveredCount (): number {
    if (this.covered === undefined) return this.size
    let n = 0
    for (const c of this.covered) n += c
    return n
  }

  isCovered (p: number): boolean {
    return this.covered === undefined || this.covered[p] === 1
  }

  memoryBytes (): number {
    return this.items.byteLength + this.logits.byteLength + (this.itemEmbeddings?.byteLength ?? 0)
  }

  /**
   * From per-user top-N lists (e.g. a teacher-scores file, scores used as logits) over every
   * training position in `positions`: a listed user's last `perUser` positions carry the list (it
   * was scored on the user's whole history, so it fits the latest positions best); the others are
   * not covered and train on the task loss alone. Lists shorter than `topN` are padded with their
   * last item at a logit of -1e9 (zero probability).
   */
  static fromUserLists (train: readonly Int32Array[], lists: ReadonlyArray<{ items: ArrayLike<number>, scores: ArrayLike<number> } | undefined>,
    topN: number, perUser = 1, positions: TrainingPositions = trainingPositions(train)): TeacherTargets {
    const size = positions.users.length
    const items = new Int32Array(size * topN)
    const logits = new Float32Array(size * topN)
    const covered = new Uint8Array(size)
    for (let p = 0; p < size; p++) {
      const user = positions.users[p]
      const list = lists[user]
      if (list === undefined || list.items.length === 0 || positions.ends[p] < train[user].length - perUser) continue
      covered[p] = 1
      for (let n = 0; n < topN; n++) {
        const src = Math.min(n, list.items.length - 1)
        items[p * topN + n] = list.items[src]
        logits[p * topN + n] = n < list.items.length ? list.scores[src] : MASKED
      }
    }
    return new TeacherTargets(positions, topN, items, logits, undefined, 0, covered)
  }
}

export interface ComputeTargetsOptions {
  topN: number
  /** Sequences per forward pass. */
  batchSize?: number
  /** Also keep the teacher's item embeddings (for the hint loss). */
  withItemEmbeddings?: boolean
  /**
   * Leave each history's own items out of its top-N (default true), as evaluation and serving do:
   * otherwise part of the soft-target mass goes to items the user has already seen.
   */
  maskHistory?: boolean
  /** Called after each batch with the positions done so far and in all (see `throttledProgress`). */
  onProgress?: (done: number, total: number) => void
  /** Positions whose logits over every item are held at once; default 2^24 logits' worth. */
  chunkRows?: number
}

/**
 * Runs the teacher once per window of each user's train sequence and keeps, at every requested
 * position, the top-N logits. Long sequences are cut into windows of at most maxLen items
 * ending at the last one, as in teacher training, so a position far from its window's end sees
 * fewer than maxLen items of history.
 */
export function computeTeacherTargets (teacher: Teacher, train: readonly Int32Array[], positions: TrainingPositions,
  options: ComputeTargetsOptions): TeacherTargets {
  const { topN } = options
  const batchSize = options.batchSize ?? 64
  const maskHistory = options.maskHistory ?? true
  const maxLen = teacher.config.maxLen
  const items = new Int32Array(positions.users.length * topN)
  const logits = new Float32Array(positions.users.length * topN)
  const windows = teacherWindows(train, positions, maxLen)
  const table = teacher.itemEmbeddings()
  const chunkRows = options.chunkRows ?? Math.max(1, Math.floor(MAX_LOGITS / teacher.numItems))
  let done = 0
  for (let b = 0; b < windows.length; b += batchSize) {
    const batch = windows.slice(b, b + batchSize)
    const { order } = batchRows(batch, positions)
    const [values, indices] = tf.tidy(() => {
      const states = windowStates(teacher, train, batch, positions)
      // the logits of at most chunkRows positions at a time: [rows, numItems] stays bounded on large catalogues
      const parts: Array<[tf.Tensor, tf.Tensor]> = []
      for (let at = 0; at < order.length; at += chunkRows) {
        const count = Math.min(chunkRows, order.length - at)
        parts.push(tf.tidy(() => {
          let logits: tf.Tensor2D = matMul2d(tf.slice(states, [at, 0], [count, -1]), table, false, true)
          if (maskHistory) logits = tf.add(logits, tf.tensor2d(historyMask(train, positions, order.slice(at, at + count), teacher.numItems), logits.shape))
          const { values, indices } = tf.topk(logits, topN)
          return [values, indices]
        }))
      }
      return [tf.concat(parts.map(p => p[0])), tf.concat(parts.map(p => p[1]))]
    })
    const v = values.dataSync() as Float32Array
    const ix = indices.dataSync() as Int32Array
    tf.dispose([values, indices])
    const bad = v.findIndex((x) => !Number.isFinite(x))
    if (bad >= 0) throw nonFinite('the teacher', positions.users[order[Math.floor(bad / topN)]])
    order.forEach((p, k) => {
      logits.set(v.subarray(k * topN, (k + 1) * topN), p * topN)
      items.set(ix.subarray(k * topN, (k + 1) * topN), p * topN)
    })
    done += order.length
    options.onProgress?.(done, positions.users.length)
  }
  const embeddings = options.withItemEmbeddings ? table.dataSync() as Float32Array : undefined
  table.dispose()
  return new TeacherTargets(positions, topN, items, logits, embeddings, embeddings ? teacher.config.dim : 0)
}

/** A window of one user's train sequence, [start, stop), and the positions whose history ends in it. */
export interface TeacherWindow {
  user: number
  start: number
  stop: number
  wanted: number[]
}

/**
 * Each user's train sequence cut into windows of at most maxLen items ending at the last one, as
 * in teacher training, holding the requested positions; sorted by length so a batch pads little.
 */
export function teacherWindows (train: readonly Int32Array[], positions: TrainingPositions, maxLen: number): TeacherWindow[] {
  const windows: TeacherWindow[] = []
  for (let p = 0; p < positions.users.length; p++) {
    const user = positions.users[p]
    const end = positions.ends[p]
    const n = train[user].length
    // windows end at the last history item n-1 and step back by maxLen
    const stop = (n - 1) - Math.floor((n - 1 - end) / maxLen) * maxLen
    const last = windows[windows.length - 1]
    if (last !== undefined && last.user === user && last.stop === stop) last.wanted.push(p)
    else windows.push({ user, start: Math.max(0, stop - maxLen), stop, wanted: [p] })
  }
  windows.sort((a, b) => (a.stop - a.start) - (b.stop - b.start))
  return windows
}

/** A batch's padded length, the rows of its hidden states that end each wanted history, and those positions in the same order. */
function batchRows (batch: readonly TeacherWindow[], positions: TrainingPositions): { len: number, rows: number[], order: number[] } {
  const len = batch[batch.length - 1].stop - batch[batch.length - 1].start
  const rows: number[] = []
  const order: number[] = []
  batch.forEach((w, r) => {
    for (const p of w.wanted) {
      // history [.., end) ends at window column len - (stop - end) ... the item end-1
      rows.push(r * len + len - 1 - (w.stop - positions.ends[p]))
      order.push(p)
    }
  })
  return { len, rows, order }
}

/**
 * The teacher's state after each wanted history of a batch of windows, [positions, dim], in the
 * order of `batchRows(batch).order`. Call inside tf.tidy (or dispose the result).
 */
export function windowStates (teacher: Teacher, train: readonly Int32Array[], batch: readonly TeacherWindow[], positions: TrainingPositions): tf.Tensor2D {
  const { len, rows } = batchRows(batch, positions)
  return tf.tidy(() => {
    const ids = tf.tensor2d(padWindows(batch.map(w => train[w.user].subarray(w.start, w.stop)), len, teacher.padId), [batch.length, len], 'int32')
    const hidden = tf.reshape(teacher.hidden(ids), [batch.length * len, teacher.config.dim])
    return tf.gather(hidden, tf.tensor1d(rows, 'int32')) as tf.Tensor2D
  })
}

/** Wanted positions of a batch of windows, in the order windowStates returns their states. */
export function windowOrder (batch: readonly TeacherWindow[], positions: TrainingPositions): number[] {
  return batchRows(batch, positions).order
}

/** Additive mask [rows, numItems]: MASKED at the items of each position's history, 0 elsewhere. */
function historyMask (train: readonly Int32Array[], positions: TrainingPositions, order: readonly number[], numItems: number): Float32Array {
  const mask = new Float32Array(order.length * numItems)
  order.forEach((p, r) => {
    const history = train[positions.users[p]].subarray(0, positions.ends[p])
    // items past the teacher's catalogue (padding, in a grown catalogue) have no column to mask
    for (const item of history) if (item < numItems) mask[r * numItems + item] = MASKED
  })
  return mask
}

export const MASKED = -1e9

/** Logits held at once while picking top-N (64 MB of float32): positions are scored in chunks below it. */
const MAX_LOGITS = 2 ** 24

/** A teacher whose outputs hold NaN or infinities would distil nothing but noise. */
export function nonFinite (teacher: string, user: number): DistillError {
  return new DistillError('TEACHER_OUTPUT_INVALID', `${teacher} gave a non-finite score (NaN or ±Infinity) for the history of user index ${user}: refusing to distil from it`)
}

export interface ScorerTargetsOptions {
  topN: number
  /** Items of history each scorer call sees (the latest); default all. */
  maxHistory?: number
  /**
   * Logit of a position's best item; the others get `sharpness · score / best score`. A scorer's
   * raw scores (co-occurrence votes, counts) have no common scale with a softmax teacher's logits;
   * this gives every position the same spread before mixing. Absent, the scores are the logits
   * (a model trained elsewhere that outputs logits).
   */
  sharpness?: number
  /** Called after each chunk of positions with the positions done so far and in all. */
  onProgress?: (done: number, total: number) => void
}

/**
 * Soft targets from any scorer (e.g. item-KNN as a second teacher for mixed distillation): at
 * every requested position, the top-N items of the scorer's row for that history, the history's
 * own items left out.
 */
export function scorerTargets (scorer: Scorer, train: readonly Int32Array[], positions: TrainingPositions,
  options: ScorerTargetsOptions): TeacherTargets {
  const { topN, sharpness } = options
  const maxHistory = options.maxHistory ?? Infinity
  const size = positions.users.length
  const items = new Int32Array(size * topN)
  const logits = new Float32Array(size * topN)
  const seen = new Uint8Array(scorer.numItems)
  const chunk = Math.max(1, Math.min(256, Math.floor(MAX_LOGITS / scorer.numItems)))
  for (let start = 0; start < size; start += chunk) {
    const ps = Array.from({ length: Math.min(chunk, size - start) }, (_, i) => start + i)
    const rows = scorer.scoreBatch(ps.map(p => {
      const end = positions.ends[p]
      return train[positions.users[p]].subarray(Math.max(0, end - maxHistory), end)
    }))
    ps.forEach((p, r) => {
      if (!rows[r].every(Number.isFinite)) throw nonFinite(scorer.name, positions.users[p])
      const history = train[positions.users[p]].subarray(0, positions.ends[p])
      for (const item of history) seen[item] = 1
      const best = topK(rows[r], topN, seen)
      for (const item of history) seen[item] = 0
      const top = best.length > 0 && best[0].score > 0 ? best[0].score : 1
      for (let n = 0; n < topN; n++) {
        const pick = best[Math.min(n, best.length - 1)]
        items[p * topN + n] = pick?.index ?? 0
        logits[p * topN + n] = n >= best.length ? MASKED : sharpness === undefined ? pick.score : sharpness * pick.score / top
      }
    })
    options.onProgress?.(start + ps.length, size)
  }
  return new TeacherTargets(positions, topN, items, logits)
}

/**
 * Mixed distillation: several teachers' targets on the same positions combined into one
 * distribution p = Σ_t w_t · softmax_N(logits_t) (an item outside a teacher's top-N gets 0 from
 * it), keeping the top-N of the union with log p as logits. Weights are normalised to sum to 1
 * over the teachers that cover a position; a position none covers stays uncovered.
 * The first teacher's item embeddings, if it has them, are kept for the hint loss.
 */
export function mixTeacherTargets (targets: readonly TeacherTargets[], weights: readonly number[], topN: number): TeacherTargets {
  if (targets.length === 0 || targets.length !== weights.length) throw new DistillError('TEACHER_TARGETS_INVALID', 'one weight per teacher targets is needed')
  const size = targets[0].size
  for (const t of targets) if (t.size !== size) throw new DistillError('TEACHER_TARGETS_INVALID', 'teacher targets must share their positions')
  const items = new Int32Array(size * topN)
  const logits = new Float32Array(size * topN)
  const covered = new Uint8Array(size)
  const mass = new Map<number, number>()
  for (let p = 0; p < size; p++) {
    mass.clear()
    let total = 0
    targets.forEach((t, k) => { if (t.isCovered(p)) total += weights[k] })
    if (total === 0) continue
    covered[p] = 1
    targets.forEach((t, k) => {
      if (!t.isCovered(p)) return
      const base = p * t.topN
      let max = -Infinity
      for (let n = 0; n < t.topN; n++) max = Math.max(max, t.logits[base + n])
      let z = 0
      for (let n = 0; n < t.topN; n++) z += Math.exp(t.logits[base + n] - max)
      for (let n = 0; n < t.topN; n++) {
        const item = t.items[base + n]
        mass.set(item, (mass.get(item) ?? 0) + (weights[k] / total) * Math.exp(t.logits[base + n] - max) / z)
      }
    })
    const ranked = [...mass.entries()].sort((a, b) => b[1] - a[1])
    for (let n = 0; n < topN; n++) {
      const [item, m] = ranked[Math.min(n, ranked.length - 1)]
      items[p * topN + n] = item
      logits[p * topN + n] = n < ranked.length ? Math.log(m) : -1e9
    }
  }
  const all = covered.every((c) => c === 1)
  return new TeacherTargets(targets[0].positions, topN, items, logits, targets[0].itemEmbeddings, targets[0].embeddingDim, all ? undefined : covered)
}
