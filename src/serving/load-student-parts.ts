import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { IdMap } from '../data/id-map.js'
import type { ArtifactFiles } from '../models/artifact/read-parts.js'
import { fromThreadError, manifestItems, threadFiles, THREAD_MIN_ITEMS, THREAD_NICE, type ThreadError } from '../models/artifact/thread-files.js'
import { startThread } from '../threads/start-thread.js'
import { popularOrder, type PopularOrder } from './popular-ranking.js'
import { readStudentParts, type StudentParts, type StudentPartsOptions } from './student-parts.js'

/** Ids added to the id map (and looked up in the counts) between two turns of the event loop. */
const IDS_PER_TURN = 20_000

export interface LoadPartsOptions extends StudentPartsOptions {
  /** How often each item id occurred (popularity); looked up for each of the version's items. */
  counts: ReadonlyMap<string, number>
  /** Versions of at least this many items are prepared in a thread (THREAD_MIN_ITEMS when omitted). */
  threadMinItems?: number
}

/** A student version ready to be assembled into a servable: its parts, its id map, its popular order. */
export interface LoadedParts {
  parts: Omit<StudentParts, 'itemIds'>
  items: IdMap
  popular: PopularOrder
}

export type FromThread =
  | { type: 'ids', joined: string, ends: Int32Array }
  | { type: 'done', parts: Omit<StudentParts, 'itemIds'>, popular: PopularOrder }
  | { type: 'failed', error: ThreadError }
export interface ToThread { counts: Float64Array }

/**
 * Reads, validates and prepares a student version so that the event loop is never held for long:
 * a large version (threadMinItems) in a worker thread whose results arrive as transferred buffers,
 * its ids as one string; the id map is then built here a slice at a time between turns of the
 * loop. A version that fails validation throws ArtifactError, as on the loop.
 */
export async function loadStudentParts (files: ArtifactFiles, version: number, options: LoadPartsOptions): Promise<LoadedParts> {
  if (await manifestItems(files) < (options.threadMinItems ?? THREAD_MIN_ITEMS)) {
    const { itemIds, ...parts } = await readStudentParts(files, version, options)
    const { items, counts } = await catalogue(itemIds.length, (i) => itemIds[i], options.counts)
    return { parts, items, popular: popularOrder(counts) }
  }
  return await inThread(files, version, options)
}

async function inThread (files: ArtifactFiles, version: number, { counts, annMinItems, precision }: LoadPartsOptions): Promise<LoadedParts> {
  const source = await threadFiles(files)
  const worker = startThread(import.meta.url, './load-thread', { source, version, options: { annMinItems, precision }, nice: THREAD_NICE })
  return await new Promise<LoadedParts>((resolve, reject) => {
    let settled = false
    let items: IdMap | undefined
    const settle = (fn: () => void): void => {
      if (settled) return
      settled = true
      fn()
      worker.terminate().catch(() => {})
    }
    worker.on('message', (message: FromThread) => {
      if (message.type === 'ids') {
        const { joined, ends } = message
        catalogue(ends.length, (i) => joined.slice(i === 0 ? 0 : ends[i - 1], ends[i]), counts).then((built) => {
          items = built.items
          worker.postMessage({ counts: built.counts } satisfies ToThread, [built.counts.buffer as ArrayBuffer])
        }, (err: unknown) => settle(() => reject(err)))
      } else if (message.type === 'done') {
        if (items === undefined) settle(() => reject(new Error('the loading thread finished before its ids were mapped')))
        else settle(() => resolve({ parts: message.parts, items: items!, popular: message.popular }))
      } else {
        settle(() => reject(fromThreadError(message.error)))
      }
    })
    worker.on('error', (err) => settle(() => reject(err)))
    worker.on('exit', (code) => settle(() => reject(new Error(`the loading thread exited (code ${code}) before finishing`))))
  })
}

/** The id map of a version's items and their counts, a slice of ids per turn of the loop. */
async function catalogue (size: number, idAt: (i: number) => string, counts: ReadonlyMap<string, number>): Promise<{ items: IdMap, counts: Float64Array }> {
  const items = new IdMap()
  const values = new Float64Array(size)
  for (let start = 0; start < size; start += IDS_PER_TURN) {
    const end = Math.min(size, start + IDS_PER_TURN)
    for (let i = start; i < end; i++) {
      const id = idAt(i)
      items.add(id)
      values[i] = counts.get(id) ?? 0
    }
    if (end < size) await yieldToLoop()
  }
  return { items, counts: values }
}
