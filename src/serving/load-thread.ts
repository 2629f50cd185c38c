/**
 * Entry point of the thread a large student version is read, validated and prepared in
 * (load-student-parts.ts starts it), so that none of it holds the event loop that serves: JSON of
 * a million ids, checksums, weight decoding, the item matrix and its quantisation, the popular
 * order, the id map. Given packed counts (`known`, the dataset's), it looks each item up in them
 * itself (its count, and the dataset -> version table user-history.ts would build on the loop) and
 * posts everything at once; otherwise it posts the id map, takes the item counts the serving thread looks
 * up for it, and posts the rest. Buffers are transferred, not copied. Imports no TF.js.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { PackedCountsParts } from '../data/packed-counts.js'
import { PackedIds } from '../data/packed-ids.js'
import { filesInThread, toThreadError } from '../models/artifact/thread-files.js'
import { popularOrder } from './popular-ranking.js'
import { readStudentParts } from './student-parts.js'
import type { FromThread, LoadThreadData, ToThread } from './load-student-parts.js'
import { lowerPriority } from '../threads/lower-priority.js'

const { source, version, options, known, nice } = workerData as LoadThreadData
const port = parentPort!
const post = (message: FromThread, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer)

async function counts (): Promise<Float64Array> {
  return await new Promise((resolve) => port.once('message', (message: ToThread) => resolve(message.counts)))
}

/**
 * Each version item's count, and where each known item is in the version (-1: not in it; null when
 * the version numbers them the same, new items after them): one look-up per version item.
 */
function lookedUp (itemIds: readonly string[], { ids, counts }: PackedCountsParts): { counts: Float64Array, table: Int32Array | null } {
  const known = new PackedIds(ids)
  const values = new Float64Array(itemIds.length)
  const table = new Int32Array(known.size).fill(-1)
  let same = 0
  itemIds.forEach((id, v) => {
    const k = known.index(id)
    if (k === undefined) return
    values[v] = counts[k]
    table[k] = v
    if (k === v) same++
  })
  return { counts: values, table: same === known.size ? null : table }
}

try {
  // serving before loading: this many nice values below the thread that started this one
  if (nice !== undefined) lowerPriority(nice)
  const answer = known === undefined ? counts() : undefined
  const { itemIds, ...parts } = await readStudentParts(filesInThread(source), version, options)
  // one string and two arrays for the whole catalogue: the string copied once, the arrays transferred
  const ids = PackedIds.fromIds(itemIds).parts()
  const idBuffers = [ids.ends.buffer as ArrayBuffer, ids.table.buffer as ArrayBuffer]
  if (answer !== undefined) post({ type: 'ids', ids }, idBuffers)
  const found = answer === undefined ? lookedUp(itemIds, known!) : undefined
  const popular = popularOrder(found?.counts ?? await answer!)
  const w = parts.weights
  const buffers = new Set<ArrayBuffer>([
    w.items, w.positionWeights, w.denseKernel, w.denseBias, w.itemBias,
    parts.matrix.values, parts.matrix.scales, parts.head, popular.shares, popular.order.items, popular.order.scores
  ].flatMap((a) => a === undefined ? [] : [a.buffer as ArrayBuffer]))
  if (answer !== undefined) post({ type: 'done', parts, popular }, [...buffers])
  else {
    const table = found!.table
    post({ type: 'done', parts, popular, ids, table }, [...buffers, ...idBuffers, ...(table === null ? [] : [table.buffer as ArrayBuffer])])
  }
} catch (err) {
  post({ type: 'failed', error: toThreadError(err) })
}
