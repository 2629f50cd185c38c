import { createHash } from 'node:crypto'
import type { Cache } from '../stores/cache.js'
import { isUnavailable } from '../stores/store-error.js'
import type { RankedItems } from './servable.js'

export type CacheResult = 'hit' | 'miss' | 'error'

export interface RankedCacheOptions {
  cache: Cache
  ttlMs: number
  /** How many candidates an entry keeps: enough for the largest k plus exclusions. */
  depth: number
  /** Every look-up, once: hit, miss, or error (then computed; also while Redis's breaker is open). */
  onResult?: (result: CacheResult) => void
  /** A failed write; the request is unaffected. */
  onWriteError?: (err: unknown) => void
}

/**
 * Caches rankings under keys that carry the model version and a hash of the history the model
 * read (`rec:v42:h<hash>`), so a swap needs no flush and a new event gives a new key: a cached
 * list is never stale for its history. A hit touches no tensors. A cache failure is reported and
 * the ranking computed; it never fails the request. While the cache says it is unavailable (its
 * get fails at once with StoreUnavailableError) the ranking is computed and not written back either.
 */
export class RankedCache {
  readonly #options: RankedCacheOptions

  constructor (options: RankedCacheOptions) {
    this.#options = options
  }

  /** The top `limit` through the cache; `compute(depth)` ranks the top `depth` on a miss. */
  async rank (key: string, limit: number, compute: (depth: number) => Promise<RankedItems>): Promise<RankedItems> {
    const { cache, ttlMs, depth, onResult, onWriteError } = this.#options
    if (ttlMs === 0 || limit > depth) return await compute(limit)
    let cached: Buffer | null = null
    let unavailable = false
    try {
      cached = await cache.get(key)
      onResult?.(cached === null ? 'miss' : 'hit')
    } catch (err) {
      unavailable = isUnavailable(err)
      onResult?.('error')
    }
    // an entry shorter than depth holds every rankable item, so it answers any limit
    if (cached !== null) return decode(cached)
    const ranked = await compute(depth)
    if (!unavailable) {
      cache.set(key, encode(ranked), ttlMs).catch((err: unknown) => { if (!isUnavailable(err)) onWriteError?.(err) })
    }
    return ranked
  }
}

/** `rec:v<version>:h<hash of the history>[:<filter>]`, from the history's hash (made once per request). */
export function keyFromHash (version: number, hash: string, filter?: string): string {
  return `rec:v${version}:h${hash}${filter === undefined ? '' : `:${filter}`}`
}

export function historyHash (history: Int32Array): string {
  const hash = createHash('sha1').update(new Uint8Array(history.buffer, history.byteOffset, history.byteLength))
  return hash.digest('base64url').slice(0, 22)
}

/** Layout: n int32 item indices, then n float32 scores. */
export function encode (ranked: RankedItems): Buffer {
  const n = ranked.items.length
  const buffer = Buffer.allocUnsafe(n * 8)
  Buffer.from(ranked.items.buffer, ranked.items.byteOffset, n * 4).copy(buffer, 0)
  Buffer.from(ranked.scores.buffer, ranked.scores.byteOffset, n * 4).copy(buffer, n * 4)
  return buffer
}

/** Views on the entry's own bytes when they are 4-byte aligned (the in-memory cache), else on a copy; read-only use. */
export function decode (buffer: Buffer): RankedItems {
  const n = buffer.length >>> 3
  const bytes = buffer.byteOffset % 4 === 0 ? buffer : new Uint8Array(buffer.subarray(0, n * 8))
  return { items: new Int32Array(bytes.buffer, bytes.byteOffset, n), scores: new Float32Array(bytes.buffer, bytes.byteOffset + n * 4, n) }
}
