import { parentPort, workerData } from 'node:worker_threads'
import { AnnIndex } from './ann-index.js'
import type { AnnParams } from './ann-params.js'
import type { SearchReply, SearchRequest } from './ann-thread.js'

/**
 * The search thread's side of AnnThread: its own view of the serving index's memory-mapped file
 * (the pages are shared with the serving thread's view), one search per message, answered with
 * item indices as 32-bit integers (the buffer is moved back, not copied).
 */
const { file, params, expansionSearch } = workerData as { file: string, params: AnnParams, expansionSearch: number }
const index = AnnIndex.view(file, params, expansionSearch)

parentPort!.on('message', ({ id, queries, count, fetch }: SearchRequest) => {
  let reply: SearchReply
  try {
    const found = index.search(queries, count, fetch)
    const items = new Int32Array(count * found.fetch)
    const counts = new Int32Array(count)
    for (let r = 0; r < count; r++) {
      counts[r] = Number(found.counts[r])
      for (let j = 0; j < counts[r]; j++) items[r * found.fetch + j] = Number(found.keys[r * found.fetch + j])
    }
    reply = { id, items, counts, fetch: found.fetch }
  } catch (err) {
    reply = { id, error: (err as Error).message }
  }
  parentPort!.postMessage(reply, 'items' in reply ? [reply.items.buffer as ArrayBuffer, reply.counts.buffer as ArrayBuffer] : [])
})
parentPort!.postMessage({ ready: true })
