/**
 * A gradient pool's helper thread (see thread-gradient-pool.ts): its own TF.js backend and teacher
 * replica; each step it loads the shared weights, computes the gradients of its share of the
 * batch and writes them back, until told to stop.
 */
import { parentPort, workerData } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import { Teacher } from '../../models/teacher.js'
import { selectBackend } from '../../tf/backend.js'
import type { StepLoss, Window } from './gradient-pool.js'
import { SharedRows } from './shared-rows.js'
import { pooledVariables, shareGradients, type PoolThreadData } from './thread-gradient-pool.js'

const GENERATION = 0
const DONE = 1
const STOP = 2
const FAILED = 3
const SLICE_HEADER = 4

const { index, config, train, backend, shared, sparseItems } = workerData as PoolThreadData
const { control, slices, sliceWidth } = shared

async function main (): Promise<void> {
  await selectBackend(backend)
  // a sparse run's rows arrive gathered each step: no item table per thread
  const teacher = new Teacher(config, { itemTable: !sparseItems })
  const variables = pooledVariables(teacher, sparseItems)
  const size = variables.reduce((n, v) => n + v.size, 0)
  const slot = size + shared.rowsCap * config.dim
  const rowSource = sparseItems ? new SharedRows(config.numItems + 1, config.dim) : undefined
  parentPort!.postMessage({ type: 'ready' })
  let generation = 0
  for (;;) {
    Atomics.wait(control, GENERATION, generation)
    generation = Atomics.load(control, GENERATION)
    if (Atomics.load(control, STOP) === 1) break
    try {
      let offset = 0
      for (const v of variables) {
        tf.tidy(() => v.assign(tf.tensor(shared.weights.subarray(offset, offset + v.size), v.shape)))
        offset += v.size
      }
      const base = index * sliceWidth
      const windows: Window[] = []
      for (let i = 0; i < slices[base]; i++) {
        const at = base + SLICE_HEADER + 3 * i
        windows.push({ user: slices[at], start: slices[at + 1], stop: slices[at + 2] })
      }
      const negatives = slices[base + 1] > 0 ? slices.slice(base + SLICE_HEADER + 3 * windows.length, base + SLICE_HEADER + 3 * windows.length + slices[base + 1]) : undefined
      const chunkRows = slices[base + 3] === 0 ? Infinity : slices[base + 3]
      const beta = shared.beta[0]
      const stepLoss: StepLoss = negatives === undefined
        ? { chunkRows }
        : Number.isNaN(beta) ? { negatives, logQ: shared.logQ, chunkRows } : { negatives, beta, chunkRows }
      const count = shared.rowIds[0]
      rowSource?.load(shared.rowIds.subarray(1, 1 + count), shared.weights.subarray(size, size + count * config.dim))
      const result = windows.length === 0
        ? { grads: new Float32Array(size), rowGrads: new Float32Array(rowSource === undefined ? 0 : count * config.dim), lossSum: 0, rows: 0 }
        : shareGradients(teacher, train, windows, stepLoss, slices[base + 2], rowSource)
      rowSource?.release()
      shared.grads.set(result.grads, index * slot)
      if (result.rowGrads !== undefined) shared.grads.set(result.rowGrads, index * slot + size)
      shared.results[2 * index] = result.lossSum
      shared.results[2 * index + 1] = result.rows
    } catch (err) {
      Atomics.store(control, FAILED, 1)
      console.error(err)
    }
    Atomics.add(control, DONE, 1)
    Atomics.notify(control, DONE)
  }
  teacher.dispose()
}

main().catch((err) => {
  parentPort!.postMessage({ type: 'failed', message: (err as Error).message })
})
