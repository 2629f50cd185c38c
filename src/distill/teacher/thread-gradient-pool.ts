import * as tf from '@tensorflow/tfjs'
import type { Worker } from 'node:worker_threads'
import type { Teacher, TeacherConfig } from '../../models/teacher.js'
import { Random } from '../../data/random.js'
import { startThread } from '../../threads/start-thread.js'
import type { BackendName } from '../../tf/backend-name.js'
import type { GradientPool, StepLoss, Window } from './gradient-pool.js'
import { lossNegatives, trainTeacher, windowsLoss, type TrainTeacherOptions } from './train-teacher.js'
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
  /** The weights every helper computes its gradients at, flat in `weights()` order. */
  weights: Float32Array
  /** Per helper: its gradients times its positions, flat. */
  grads: Float32Array
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
}

/**
 * The gradients of the loss on `share` at the teacher's current weights, times its positions,
 * flat in `weights()` order (a weight the loss does not reach gets zeros), with the loss times
 * its positions. Dropout draws its seeds from `seed`.
 */
export function shareGradients (teacher: Teacher, train: readonly Int32Array[], share: readonly Window[], stepLoss: StepLoss, seed: number): { grads: Float32Array, lossSum: number, rows: number } {
  const rng = new Random(seed)
  const nextSeed = (): number => rng.int(2 ** 31)
  const variables = Object.values(teacher.weights())
  const flat = new Float32Array(variables.reduce((n, v) => n + v.size, 0))
  let lossSum = 0
  let rows = 0
  tf.tidy(() => {
    const part = windowsLoss(teacher, train, share, stepLoss, nextSeed)
    rows = part.rows
    if (rows === 0) return
    const { value, grads } = tf.variableGrads(part.loss, variables)
    lossSum = value.dataSync()[0] * rows
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
  return { grads: flat, lossSum, rows }
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
  #generation = 0

  private constructor (o: GradientPoolOptions, workers: Worker[], shared: PoolShared, size: number) {
    this.threads = o.threads
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
    const size = Object.values(named).reduce((n, v) => n + v.size, 0)
    const sliceWidth = SLICE_HEADER + 3 * o.batchSize + o.negatives
    const shared: PoolShared = {
      control: new Int32Array(new SharedArrayBuffer(4 * 4)),
      weights: new Float32Array(new SharedArrayBuffer(4 * size)),
      grads: new Float32Array(new SharedArrayBuffer(4 * size * helpers)),
      results: new Float64Array(new SharedArrayBuffer(8 * 2 * helpers)),
      slices: new Int32Array(new SharedArrayBuffer(4 * sliceWidth * helpers)),
      sliceWidth,
      logQ: new Float32Array(new SharedArrayBuffer(4 * o.teacher.numItems)),
      beta: new Float64Array(new SharedArrayBuffer(8))
    }
    const workers: Worker[] = []
    try {
      for (let i = 0; i < helpers; i++) {
        const data: PoolThreadData = { index: i, config: o.teacher.config, train: o.train.map((s) => s.slice()), backend: o.backend, shared, names }
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
  step (optimizer: tf.Optimizer, batch: readonly Window[], stepLoss: StepLoss, seed: number): { loss: number, rows: number } {
    const weights = this.#teacher.weights()
    const { control, slices, sliceWidth, grads, results } = this.#shared
    const shares = split(batch, this.threads)
    // the weights of this step, then each helper's share, then go
    let offset = 0
    for (const v of Object.values(weights)) {
      this.#shared.weights.set(v.dataSync() as Float32Array, offset)
      offset += v.size
    }
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

    const total = new Float32Array(this.#size)
    let lossSum = 0
    let rows = 0
    if (shares[0].length > 0) {
      const own = shareGradients(this.#teacher, this.#train, shares[0], stepLoss, seed)
      total.set(own.grads)
      lossSum += own.lossSum
      rows += own.rows
    }
    const deadline = Date.now() + STEP_TIMEOUT_MS
    for (let done = Atomics.load(control, DONE); done < this.threads - 1; done = Atomics.load(control, DONE)) {
      if (Date.now() > deadline) throw new Error('a gradient thread did not answer within 10 minutes')
      Atomics.wait(control, DONE, done, 1000)
    }
    if (Atomics.load(control, FAILED) !== 0) throw new Error('a gradient thread failed (see its error above)')
    for (let h = 0; h < this.threads - 1; h++) {
      const slot = grads.subarray(h * this.#size, (h + 1) * this.#size)
      for (let i = 0; i < this.#size; i++) total[i] += slot[i]
      lossSum += results[2 * h]
      rows += results[2 * h + 1]
    }
    if (rows > 0) {
      const scale = 1 / rows
      for (let i = 0; i < this.#size; i++) total[i] *= scale
      const named: tf.NamedTensorMap = {}
      offset = 0
      for (const v of Object.values(weights)) {
        named[v.name] = tf.tensor(total.subarray(offset, offset + v.size), v.shape)
        offset += v.size
      }
      optimizer.applyGradients(named)
      tf.dispose(Object.values(named))
    }
    return { loss: rows > 0 ? lossSum / rows : 0, rows }
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
    ? await ThreadGradientPool.start({ threads, teacher, train, batchSize: options.batchSize, negatives: lossNegatives(options.loss), backend: tf.getBackend() as BackendName })
    : undefined
  try {
    return trainTeacher(teacher, train, { ...options, pool })
  } finally {
    await pool?.close()
  }
}
