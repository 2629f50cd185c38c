import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { PackedCounts, type PackedCountsParts } from '../data/packed-counts.js'
import { PackedIds, type ItemIds, type PackedIdsParts } from '../data/packed-ids.js'
import type { ArtifactFiles } from '../models/artifact/read-parts.js'
import { fromThreadError, manifestItems, threadFiles, THREAD_MIN_ITEMS, THREAD_NICE, type ThreadError, type ThreadFiles } from '../models/artifact/thread-files.js'
import { startThread } from '../threads/start-thread.js'
import { popularOrder, type PopularOrder } from './popular-ranking.js'
import { readStudentParts, type StudentParts, type StudentPartsOptions } from './student-parts.js'

/** Ids whose counts are looked up between two turns of the event loop. */
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
  items: ItemIds
  popular: PopularOrder
  /** With packed counts in a thread: where each of the counts' items is in `items` (-1: not in it; null: at the same index), `from` the counts' id map. */
  translation?: { from: ItemIds, table: Int32Array | null }
}

export type FromThread =
  | { type: 'ids', ids: PackedIdsParts }
  | { type: 'done', parts: Omit<StudentParts, 'itemIds'>, popular: PopularOrder, ids?: PackedIdsParts, table?: Int32Array | null }
  | { type: 'failed', error: ThreadError }
export interface ToThread { counts: Float64Array }
/** What the loading thread starts with; with `known`, it looks the item counts up itself and posts no 'ids'. */
export interface LoadThreadData {
  source: ThreadFiles
  version: number
  options: StudentPartsOptions
  known: PackedCountsParts | undefined
}

/**
 * Reads, validates and prepares a student version so that the event loop is never held for long:
 * a large version (threadMinItems) in a worker thread whose results, the id map included
 * (PackedIds), arrive in shared memory (shareLarge). Packed counts (a large dataset's,
 * PackedCounts) are handed to the thread in shared memory too, and it looks the version's items up
 * in them; other counts are looked up here, a slice of ids per turn of the loop (a million
 * look-ups took 1-2.6 s of this thread's CPU at load average 12). A version that fails validation throws ArtifactError, as on the loop.
 */
export async function loadStudentParts (files: ArtifactFiles, version: number, options: LoadPartsOptions): Promise<LoadedParts> {
  if (await manifestItems(files) < (options.threadMinItems ?? THREAD_MIN_ITEMS)) {
    const { itemIds, ...parts } = await readStudentParts(files, version, options)
    const items = PackedIds.fromIds(itemIds)
    return { parts, items, popular: popularOrder(await itemCounts(items, options.counts)) }
  }
  return await inThread(files, version, options)
}

async function inThread (files: ArtifactFiles, version: number, { counts, annMinItems, precision }: LoadPartsOptions): Promise<LoadedParts> {
  const source = await threadFiles(files)
  const known = counts instanceof PackedCounts ? counts.parts() : undefined
  const worker = startThread(import.meta.url, './load-thread', { source, version, options: { annMinItems, precision }, known } satisfies LoadThreadData, { nice: THREAD_NICE })
  return await new Promise<LoadedParts>((resolve, reject) => {
    let settled = false
    let items: ItemIds | undefined
    const settle = (fn: () => void): void => {
      if (settled) return
      settled = true
      fn()
      worker.terminate().catch(() => {})
    }
    worker.on('message', (message: FromThread) => {
      if (message.type === 'ids') {
        let ids: PackedIds
        try {
          ids = new PackedIds(message.ids)
        } catch (err) {
          settle(() => reject(err))
          return
        }
        itemCounts(ids, counts).then((values) => {
          items = ids
          worker.postMessage({ counts: values } satisfies ToThread, [values.buffer as ArrayBuffer])
        }, (err: unknown) => settle(() => reject(err)))
      } else if (message.type === 'done') {
        if (message.ids !== undefined) {
          try {
            items = new PackedIds(message.ids)
          } catch (err) {
            settle(() => reject(err))
            return
          }
        }
        const loaded = items
        if (loaded === undefined) {
          settle(() => reject(new Error('the loading thread finished before its ids were mapped')))
          return
        }
        const translation = message.table !== undefined && counts instanceof PackedCounts ? { from: counts.ids, table: message.table } : undefined
        settle(() => resolve({ parts: message.parts, items: loaded, popular: message.popular, translation }))
      } else {
        settle(() => reject(fromThreadError(message.error)))
      }
    })
    worker.on('error', (err) => settle(() => reject(err)))
    worker.on('exit', (code) => settle(() => reject(new Error(`the loading thread exited (code ${code}) before finishing`))))
  })
}

/**
 * Each item's count, a slice of the counts per turn of the loop. The counts' own ids are looked up
 * in the version's map (no string is made, unlike reading every version id back out of PackedIds).
 */
async function itemCounts (items: ItemIds, counts: ReadonlyMap<string, number>): Promise<Float64Array> {
  const values = new Float64Array(items.size)
  const entries = counts.entries()
  for (let done = false; !done;) {
    for (let n = 0; n < IDS_PER_TURN; n++) {
      const next = entries.next()
      if (next.done === true) {
        done = true
        break
      }
      const index = items.index(next.value[0])
      if (index !== undefined) values[index] = next.value[1]
    }
    if (!done) await yieldToLoop()
  }
  return values
}
