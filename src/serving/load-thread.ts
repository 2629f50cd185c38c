/**
 * Entry point of the thread a large student version is read, validated and prepared in
 * (load-student-parts.ts starts it), so that none of it holds the event loop that serves: JSON of
 * a million ids, checksums, weight decoding, the item matrix and its quantisation, the popular
 * order, the id map. It posts the id map, takes the item counts the serving thread looks up for it, and
 * posts the rest with its buffers transferred, not copied. Imports no TF.js.
 */
import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import { PackedIds } from '../data/packed-ids.js'
import { filesInThread, toThreadError, type ThreadFiles } from '../models/artifact/thread-files.js'
import { popularOrder } from './popular-ranking.js'
import { readStudentParts, type StudentPartsOptions } from './student-parts.js'
import type { FromThread, ToThread } from './load-student-parts.js'

const { source, version, options, nice } = workerData as { source: ThreadFiles, version: number, options: StudentPartsOptions, nice: number | undefined }
const port = parentPort!
const post = (message: FromThread, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer)

async function counts (): Promise<Float64Array> {
  return await new Promise((resolve) => port.once('message', (message: ToThread) => resolve(message.counts)))
}

try {
  if (nice !== undefined) {
    // serving before loading: on Linux a nice value set with pid 0 is this thread's alone
    try { setPriority(nice) } catch {}
  }
  const answer = counts()
  const { itemIds, ...parts } = await readStudentParts(filesInThread(source), version, options)
  // one string and two arrays for the whole catalogue: the string copied once, the arrays transferred
  const ids = PackedIds.fromIds(itemIds).parts()
  post({ type: 'ids', ids }, [ids.ends.buffer as ArrayBuffer, ids.table.buffer as ArrayBuffer])
  const popular = popularOrder(await answer)
  const w = parts.weights
  const buffers = new Set<ArrayBuffer>([
    w.items, w.positionWeights, w.denseKernel, w.denseBias, w.itemBias,
    parts.matrix.values, parts.matrix.scales, parts.head, popular.shares, popular.order.items, popular.order.scores
  ].flatMap((a) => a === undefined ? [] : [a.buffer as ArrayBuffer]))
  post({ type: 'done', parts, popular }, [...buffers])
} catch (err) {
  post({ type: 'failed', error: toThreadError(err) })
}
