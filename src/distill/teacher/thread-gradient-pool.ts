import * as tf from '@tensorflow/tfjs'
import type { Worker } from 'node:worker_threads'
import type { Teacher, TeacherConfig } from '../../models/teacher.js'
import { Random } from '../../data/random.js'
import { startThread } from '../../threads/start-thread.js'
import type { BackendName } from '../../tf/backend-name.js'
import type { GradientPool, SparseItems, StepLoss, Window } from './gradient-pool.js'
import type { RowSource } from '../../tf/sparse-embedding.js'
import { lossNegatives, sparseItemsFor, trainTeacher, windowsLoss, type TrainTeacherOptions } from './train-teacher.js'
import type { TrainReport } from '../training/train-loop.js'

/** Control words in shared memory: a step's generation, helpers done, stop, a helper's failure. */
const GENERATION = 0
const DONE = 1
const STOP = 2
const FAILED = 3
/** A step that takes longer than this is a helper that died (the main thread cannot hear its exit while it waits). */
const STEP_TIMEOUT_MS = 600_000

/** Where each helper reads its share of a step: windows, negatives, seed, chunk rows (0: none), then windows (user, start, stop) and negatives. */
const SLICE_HEADER = 4

export interface PoolShared {
  control: Int32Array
  /**
   * The weights every helper computes its gradients at, flat in `weights()` order (without the
   * item table when it trains sparsely), then, sparse, the step's gathered item rows.
   */
  weights: Float32Array
  /** Per helper: its gradients times its positions, flat, in the same layout as `weights`. */
  grads: Float32Array
  /** Sparse item rows: [count, the step's row ids in compact order...]. */
  rowIds: Int32Array
  /** Room for item rows a step may touch (0 when the items train densely). */
  rowsCap: number
  /** Per helper: [loss x positions, positions]. */
  results: Float64Array
  /** Per helper: SLICE_HEADER + 3 x maxWindows + maxNegatives int32. */
  slices: Int32Array
  sliceWidth: number
  /** The sampled softmax's log expected counts, per item (written each step). */
  logQ: Float32Array
  /** The step's gBCE exponent, NaN for a softmax loss (written each step). */
  beta: Float64Array
}

export interface PoolThreadData {
  index: number
  config: TeacherConfig
  train: Int32Array[]
  backend: BackendName | undefined
  shared: PoolShared
  names: string[]
  sparseItems: boolean
}

export interface GradientPoolOptions {
  /** Threads in all, the main thread included (2 = one helper). */
  threads: number
  teacher: Teacher
  train: readonly Int32Array[]
  /** Windows per batch, and shared negatives per batch (0 for the full softmax). */
  batchSize: number
  negatives: number
  backend?: BackendName
  /** Whether steps come with sparse item rows (see GradientPool.step); default false. */
  sparseItems?: boolean
}

/** The variables a pool shares each step: every weight, or all but the item table when it trains sparsely. */
export function pooledVariables (teacher: Teacher, sparseItems: boolean): tf.Variable[] {
  const named = teacher.weights()
  return Object.values(named).filter((v) => !sparseItems || v !== named.items)
}

/**
 * The gradients of the loss on `share` at the teacher's current weights, times its positions,
 * flat in `weights()` order (a weight the loss does not reach gets zeros), with the loss times
 * its positions. Dropout draws its seeds from `seed`. With `items` (sparse item rows), the item
 * table is left out of `grads` and the gathered rows' gradients, times the positions, are `rowGrads`.
 */
export function shareGradients (teacher: Teacher, train: readonly Int32Array[], share: readonly Window[], stepLoss: StepLoss, seed: number,
  items?: RowSource): { grads: Float32Array, rowGrads?: Float32Array, lossSum: number, rows: number } {
  const rng = new Random(seed)
  const nextSeed = (): number => rng.int(2 ** 31)
  const variables = pooledVariables(teacher, items !== undefined)
  const flat = new Float32Array(variables.reduce((n, v) => n + v.size, 0))
  let rowGrads: Float32Array | undefined
  let lossSum = 0
  let rows = 0
  tf.tidy(() => {
    const part = windowsLoss(teacher, train, share, stepLoss, nextSeed, items)
    const gathered = part.gathered
    // zeros when nothing reaches a row (or no position counts): a slot never keeps an earlier step's
    if (gathered !== undefined) rowGrads = new Float32Array(gathered.size)
    rows = part.rows
    if (rows === 0) return
    const { value, grads } = tf.variableGrads(part.loss, gathered === undefined ? variables : [...variables, gathered])
    lossSum = value.dataSync()[0] * rows
    if (rowGrads !== undefined) {
      const g = grads[gathered!.name]
      if (g !== undefined) {
        const values = g.dataSync()
        for (let i = 0; i < rowGrads.length; i++) rowGrads[i] = values[i] * rows
      }
    }
    let offset = 0
    for (const v of variables) {
      const g = grads[v.name]
      if (g !== undefined) {
        const values = g.dataSync()
        for (let i = 0; i < v.size; i++) flat[offset + i] = values[i] * rows
      }
      offset += v.size
    }
  })
  return { grads: flat, rowGrads, lossSum, rows }
}

/** `batch` cut into `parts` contiguous runs of about equal positions (windows are sorted by length within a bucket). */
export function split (batch: readonly Window[], parts: number): Window[][] {
  const total = batch.reduce((n, w) => n + (w.stop - w.start), 0)
  const shares: Window[][] = Array.from({ length: parts }, () => [])
  let seen = 0
  for (const w of batch) {
    const part = Math.min(parts - 1, Math.floor(seen * parts / Math.max(1, total)))
    shares[part].push(w)
    seen += w.stop - w.start
  }
  return shares
}

/**
 * Data-parallel gradients for teacher training: helper threads, each with its own TF.js backend
 * and a replica of the teacher, compute the gradients of their share of each batch at the
 * weights the main thread wrote to shared memory; the main thread computes its own share, adds
 * theirs (weighted by positions) and applies the mean with its optimizer. One step at a time,
 * synchronised with Atomics; every tensor stays in the thread that made it.
 */
export class ThreadGradientPool implements GradientPool {
  readonly threads: number
  readonly #workers: Worker[]
  readonly #shared: PoolShared
  readonly #size: number
  readonly #teacher: Teacher
  readonly #train: readonly Int32Array[]
  readonly #variables: tf.Variable[]
  readonly #sparseItems: boolean
  #generation = 0

  private constructor (o: GradientPoolOptions, workers: Worker[], shared: PoolShared, size: number) {
    this.threads = o.threads
    this.#sparseItems = o.sparseItems === true
    this.#variables = pooledVariables(o.teacher, this.#sparseItems)
    this.#teacher = o.teacher
    this.#train = o.train
    this.#workers = workers
    this.#shared = shared
    this.#size = size
  }

  static async start (o: GradientPoolOptions): Promise<ThreadGradientPool> {
    if (!(Number.isSafeInteger(o.threads) && o.threads >= 2)) throw new RangeError(`a gradient pool needs at least 2 threads, got ${o.threads}`)
    const helpers = o.threads - 1
    const named = o.teacher.weights()
    const names = Object.keys(named)
    const sparseItems = o.sparseItems === true
    const size = pooledVariables(o.teacher, sparseItems).reduce((n, v) => n + v.size, 0)
    // a window reads maxLen inputs and maxLen targets, maxLen + 1 items; plus the negatives and padding
    const rowsCap = sparseItems ? o.batchSize * (o.teacher.config.maxLen + 1) + o.negatives + 1 : 0
    const slot = size + rowsCap * o.teacher.config.dim
    const sliceWidth = SLICE_HEADER + 3 * o.batchSize + o.negatives
    const shared: PoolShared = {
      control: new Int32Array(new SharedArrayBuffer(4 * 4)),
      weights: new Float32Array(new SharedArrayBuffer(4 * slot)),
      grads: new Float32Array(new SharedArrayBuffer(4 * slot * helpers)),
      rowIds: new Int32Array(new SharedArrayBuffer(4 * (rowsCap + 1))),
      rowsCap,
      results: new Float64Array(new SharedArrayBuffer(8 * 2 * helpers)),
      slices: new Int32Array(new SharedArrayBuffer(4 * sliceWidth * helpers)),
      sliceWidth,
      logQ: new Float32Array(new SharedArrayBuffer(4 * o.teacher.numItems)),
      beta: new Float64Array(new SharedArrayBuffer(8))
    }
    const workers: Worker[] = []
    try {
      for (let i = 0; i < helpers; i++) {
        const data: PoolThreadData = { index: i, config: o.teacher.config, train: o.train.map((s) => s.slice()), backend: o.backend, shared, names, sparseItems }
        workers.push(startThread(import.meta.url, './gradient-thread', data))
      }
      await Promise.all(workers.map(async (w) => await new Promise<void>((resolve, reject) => {
        w.once('message', (m: { type: string, message?: string }) => m.type === 'ready' ? resolve() : reject(new Error(`gradient thread failed to start: ${m.message ?? m.type}`)))
        w.once('error', reject)
        w.once('exit', (code) => reject(new Error(`gradient thread exited (code ${code}) before it was ready`)))
      })))
    } catch (err) {
      await Promise.all(workers.map(async (w) => await w.terminate()))
      throw err
    }
    return new ThreadGradientPool(o, workers, shared, size)
  }

  /**
   * One training step over `batch`: the batch is split into `threads` runs of similar positions,
   * every thread computes its gradients, and `optimizer` applies their position-weighted mean to
   * `weights`. Returns the batch's mean loss and its positions.
   */
  step (optimizer: tf.Optimizer, batch: readonly Window[], stepLoss: StepLoss, seed: number, sparse?: SparseItems): { loss: number, rows: number } {
    if ((sparse !== undefined) !== this.#sparseItems) throw new RangeError(`this pool was started for ${this.#sparseItems ? 'sparse' : 'dense'} item gradients`)
    const variables = this.#variables
    const { control, slices, sliceWidth, grads, results } = this.#shared
    const shares = split(batch, this.threads)
    // the weights of this step, then each helper's share, then go
    let offset = 0
    for (const v of variables) {
      this.#shared.weights.set(v.dataSync() as Float32Array, offset)
      offset += v.size
    }
    const rowIds = sparse === undefined ? undefined : this.#gatherRows(sparse, batch, stepLoss)
    shares.slice(1).forEach((share, h) => {
      const base = h * sliceWidth
      const negatives = stepLoss.negatives ?? new Int32Array(0)
      slices[base] = share.length
      slices[base + 1] = negatives.length
      slices[base + 2] = seed + h + 1
      slices[base + 3] = Number.isFinite(stepLoss.chunkRows) ? stepLoss.chunkRows : 0
      share.forEach((w, i) => slices.set([w.user, w.start, w.stop], base + SLICE_HEADER + 3 * i))
      slices.set(negatives, base + SLICE_HEADER + 3 * share.length)
    })
    if (stepLoss.logQ !== undefined) this.#shared.logQ.set(stepLoss.logQ)
    this.#shared.beta[0] = stepLoss.beta ?? NaN
    Atomics.store(control, DONE, 0)
    this.#generation++
    Atomics.store(control, GENERATION, this.#generation)
    Atomics.notify(control, GENERATION)

    const width = this.#teacher.config.dim
    const total = new Float32Array(this.#size)
    const rowTotal = new Float32Array(rowIds === undefined ? 0 : rowIds.length * width)
    let lossSum = 0
    let rows = 0
    if (shares[0].length > 0) {
      const own = shareGradients(this.#teacher, this.#train, shares[0], stepLoss, seed, sparse?.embedding)
      total.set(own.grads)
      if (own.rowGrads !== undefined) rowTotal.set(own.rowGrads)
      lossSum += own.lossSum
      rows += own.rows
    }
    const deadline = Date.now() + STEP_TIMEOUT_MS
    for (let done = Atomics.load(control, DONE); done < this.threads - 1; done = Atomics.load(control, DONE)) {
      if (Date.now() > deadline) throw new Error('a gradient thread did not answer within 10 minutes')
      Atomics.wait(control, DONE, done, 1000)
    }
    if (Atomics.load(control, FAILED) !== 0) throw new Error('a gradient thread failed (see its error above)')
    const slotSize = this.#size + this.#shared.rowsCap * width
    for (let h = 0; h < this.threads - 1; h++) {
      const slot = grads.subarray(h * slotSize, h * slotSize + this.#size)
      for (let i = 0; i < this.#size; i++) total[i] += slot[i]
      const rowSlot = grads.subarray(h * slotSize + this.#size, h * slotSize + this.#size + rowTotal.length)
      for (let i = 0; i < rowTotal.length; i++) rowTotal[i] += rowSlot[i]
      lossSum += results[2 * h]
      rows += results[2 * h + 1]
    }
    if (rows > 0) {
      const scale = 1 / rows
      for (let i = 0; i < this.#size; i++) total[i] *= scale
      const named: tf.NamedTensorMap = {}
      offset = 0
      for (const v of variables) {
        named[v.name] = tf.tensor(total.subarray(offset, offset + v.size), v.shape)
        offset += v.size
      }
      optimizer.applyGradients(named)
      tf.dispose(Object.values(named))
      if (sparse !== undefined) {
        for (let i = 0; i < rowTotal.length; i++) rowTotal[i] *= scale
        sparse.embedding.table.update(rowIds!, rowTotal, sparse.learningRate)
      }
    }
    sparse?.embedding.discard()
    return { loss: rows > 0 ? lossSum / rows : 0, rows }
  }

  /**
   * Numbers every item the batch can touch (padding, each window's inputs and targets, the
   * negatives) in `sparse`'s index, so every thread's share finds its rows there, and writes
   * their ids and values to shared memory. Returns the ids in compact order.
   */
  #gatherRows (sparse: SparseItems, batch: readonly Window[], stepLoss: StepLoss): Int32Array {
    const { index, table } = sparse.embedding
    index.clear()
    index.add(this.#teacher.padId)
    for (const w of batch) index.map(this.#train[w.user].subarray(w.start, w.stop + 1))
    if (stepLoss.negatives !== undefined) index.map(stepLoss.negatives)
    const ids = index.unique()
    if (ids.length > this.#shared.rowsCap) throw new RangeError(`a step touched ${ids.length} item rows, more than the pool's room for ${this.#shared.rowsCap}`)
    this.#shared.rowIds[0] = ids.length
    this.#shared.rowIds.set(ids, 1)
    this.#shared.weights.set(table.gather(ids), this.#size)
    return ids
  }

  /** Stops the helpers and waits for them to end. */
  async close (): Promise<void> {
    Atomics.store(this.#shared.control, STOP, 1)
    this.#generation++
    Atomics.store(this.#shared.control, GENERATION, this.#generation)
    Atomics.notify(this.#shared.control, GENERATION)
    await Promise.all(this.#workers.map(async (w) => await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { w.terminate().catch(() => {}) }, 5000)
      w.once('exit', () => { clearTimeout(timer); resolve() })
    })))
  }
}

/**
 * `trainTeacher` with each step split over `threads` threads (a pool started for the run and
 * closed after it, also when training throws); the main thread alone when `threads` is 1.
 */
export async function trainTeacherOnThreads (teacher: Teacher, train: readonly Int32Array[], threads: number, options: Omit<TrainTeacherOptions, 'pool'>): Promise<TrainReport> {
  const pool = threads > 1
    ? await ThreadGradientPool.start({ threads, teacher, train, batchSize: options.batchSize, negatives: lossNegatives(options.loss), backend: tf.getBackend() as BackendName, sparseItems: sparseItemsFor(options) })
    : undefined
  try {
    return trainTeacher(teacher, train, { ...options, pool })
  } finally {
    await pool?.close()
  }
}
