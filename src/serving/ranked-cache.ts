import { createHash } from 'node:crypto'
import type { Cache } from '../stores/cache.js'
import type { RankedItems, ServingModel } from './serving-model.js'

export type CacheResult = 'hit' | 'miss' | 'error'

export interface RankedCacheOptions {
  cache: Cache
  ttlMs: number
  /** How many candidates an entry keeps: enough for the largest k plus exclusions. */
  depth: number
  /** Every look-up, once: hit, miss, or error (then computed). */
  onResult?: (result: CacheResult) => void
  /** A failed write; the request is unaffected. */
  onWriteError?: (err: unknown) => void
}

/**
 * Caches a model's ranking per model version and history: `rec:v42:h<hash>`.
 * The version in the key makes a swap need no flush; the history hash makes a new event
 * produce a new key, so a cached list is never stale for the history it was computed from.
 * A cache failure is reported and the ranking computed; it never fails the request.
 */
export class RankedCache {
  readonly #options: RankedCacheOptions

  constructor (options: RankedCacheOptions) {
    this.#options = options
  }

  async rank (model: ServingModel, history: Int32Array, limit: number): Promise<RankedItems> {
    const { cache, ttlMs, depth, onResult, onWriteError } = this.#options
    if (ttlMs === 0 || limit > depth) return model.rank(history, limit)
    const key = cacheKey(model, history)
    let cached: Buffer | null = null
    try {
      cached = await cache.get(key)
      onResult?.(cached === null ? 'miss' : 'hit')
    } catch {
      onResult?.('error')
    }
    if (cached !== null) {
      const ranked = decode(cached)
      if (ranked.items.length >= Math.min(limit, model.items.size)) return ranked
    }
    const ranked = model.rank(history, depth)
    cache.set(key, encode(ranked), ttlMs).catch((err: unknown) => onWriteError?.(err))
    return ranked
  }
}

export function cacheKey (model: ServingModel, history: Int32Array): string {
  if (!model.historyDependent) return `rec:v${model.version}:all`
  const hash = createHash('sha1').update(new Uint8Array(history.buffer, history.byteOffset, history.byteLength))
  return `rec:v${model.version}:h${hash.digest('base64url').slice(0, 22)}`
}

/** Layout: n int32 item indices, then n float32 scores. */
export function encode (ranked: RankedItems): Buffer {
  const n = ranked.items.length
  const buffer = Buffer.allocUnsafe(n * 8)
  Buffer.from(ranked.items.buffer, ranked.items.byteOffset, n * 4).copy(buffer, 0)
  Buffer.from(ranked.scores.buffer, ranked.scores.byteOffset, n * 4).copy(buffer, n * 4)
  return buffer
}

export function decode (buffer: Buffer): RankedItems {
  const n = buffer.length >>> 3
  const copy = new Uint8Array(buffer.subarray(0, n * 8))
  return { items: new Int32Array(copy.buffer, 0, n), scores: new Float32Array(copy.buffer, n * 4, n) }
}
