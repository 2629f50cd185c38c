import type { Worker } from 'node:worker_threads'
import { startThread } from '../../threads/start-thread.js'
import type { AnnIndex } from './ann-index.js'

/** What a search comes back as: item indices, `items[r * fetch + j]` for j < counts[r]. */
export interface Found {
  items: Int32Array
  counts: Int32Array
  fetch: number
}

export interface SearchRequest { id: number, queries: Float32Array, count: number, fetch: number }
export type SearchReply = ({ id: number } & Found) | { id: number, error: string }

/**
 * Searches a memory-mapped index on a thread of its own, so the graph walk (most of an ANN cache
 * miss's CPU: bench:rank-cpu) runs beside the event loop instead of on it: the serving thread
 * scores the head and answers HTTP while the search thread walks the graph. Searches are answered
 * in order; a thread that fails or exits rejects what waits and every later search (the caller
 * falls back to searching on its own thread). `close()` ends the thread; an idle thread does not
 * keep the process alive.
 */
export class AnnThread {
  readonly #worker: Worker
  readonly #waiting = new Map<number, { resolve: (found: Found) => void, reject: (err: Error) => void }>()
  #next = 0
  #failed: Error | undefined

  constructor (index: AnnIndex) {
    if (index.file === undefined) throw new Error('only a memory-mapped index can be searched on a thread')
    this.#worker = startThread(import.meta.url, './ann-search-thread', { file: index.file, params: index.params, expansionSearch: index.expansionSearch })
    this.#worker.unref()
    this.#worker.on('message', (reply: SearchReply | { ready: true }) => {
      if (!('id' in reply)) return
      const waiting = this.#waiting.get(reply.id)
      if (waiting === undefined) return
      this.#waiting.delete(reply.id)
      if ('error' in reply) waiting.reject(new Error(reply.error))
      else waiting.resolve(reply)
    })
    this.#worker.on('error', (err) => this.#fail(err))
    this.#worker.on('exit', (code) => this.#fail(new Error(`the ANN search thread exited (code ${code})`)))
  }

  /** The `fetch` nearest items of each of `count` serving-width query rows (`queries` is copied to the thread). */
  async search (queries: Float32Array, count: number, fetch: number): Promise<Found> {
    if (this.#failed !== undefined) throw this.#failed
    const id = this.#next++
    return await new Promise<Found>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject })
      const request: SearchRequest = { id, queries, count, fetch }
      this.#worker.postMessage(request)
    })
  }

  close (): void {
    this.#fail(new Error('the ANN search thread is closed'))
    this.#worker.terminate().catch(() => {})
  }

  #fail (err: Error): void {
    this.#failed ??= err
    const waiting = [...this.#waiting.values()]
    this.#waiting.clear()
    for (const w of waiting) w.reject(this.#failed)
  }
}
