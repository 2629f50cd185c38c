/**
 * Entry point of the thread a large student version is read, validated and prepared in
 * (load-student-parts.ts starts it), so that none of it holds the event loop that serves: JSON of
 * a million ids, checksums, weight decoding, the item matrix and its quantisation, the popular
 * order, the id map. Given packed counts (`known`, the dataset's), it looks each item up in them
 * itself (its count, and the dataset -> version table user-history.ts would build on the loop) and
 * posts everything at once; otherwise it posts the id map, takes the item counts the serving thread looks
 * up for it, and posts the rest. Large arrays go over in shared memory (shareLarge: neither copied
 * on the serving thread nor counted there as new external memory). Imports no TF.js.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { PackedCountsParts } from '../data/packed-counts.js'
import { PackedIds } from '../data/packed-ids.js'
import { filesInThread, toThreadError } from '../models/artifact/thread-files.js'
import { popularOrder } from './popular-ranking.js'
import { readStudentParts } from './student-parts.js'
import type { FromThread, LoadThreadData, ToThread } from './load-student-parts.js'
import { shareLarge } from '../threads/shared-copy.js'

const { source, version, options, known } = workerData as LoadThreadData
const port = parentPort!
const post = (message: FromThread): void => port.postMessage(message)

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
  const answer = known === undefined ? counts() : undefined
  const { itemIds, ...parts } = await readStudentParts(filesInThread(source), version, options)
  // three arrays for the whole catalogue, in shared memory
  const ids = shareLarge(PackedIds.fromIds(itemIds).parts())
  if (answer !== undefined) post({ type: 'ids', ids })
  const found = answer === undefined ? lookedUp(itemIds, known!) : undefined
  const popular = popularOrder(found?.counts ?? await answer!)
  post(shareLarge(answer !== undefined ? { type: 'done', parts, popular } : { type: 'done', parts, popular, ids, table: found!.table }))
} catch (err) {
  post({ type: 'failed', error: toThreadError(err) })
}
