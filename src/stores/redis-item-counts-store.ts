import type { RedisConnection } from './redis-client.js'
import { assertCounts, type ItemCountsStore } from './item-counts-store.js'
import { assertPositiveInt } from './store-error.js'

export interface RedisItemCountsStoreOptions {
  /** Owned by the caller: close() leaves it open. */
  client: RedisConnection
  /** Key namespace, e.g. 'distillrec:'; the totals live in the hash itemCountsKey(prefix). */
  prefix: string
  /** Fields per pipeline on add and per HSCAN step on read. */
  batchSize?: number
}

const DEFAULT_BATCH = 1000

/** The hash holding every item's total: field = item id, value = count. */
export function itemCountsKey (prefix: string): string {
  return `${prefix}items:counts`
}

/** One Redis hash of totals; adds are HINCRBYFLOAT, so concurrent writers never lose an increment. */
export class RedisItemCountsStore implements ItemCountsStore {
  readonly #client: RedisConnection
  readonly #key: string
  readonly #batchSize: number

  constructor ({ client, prefix, batchSize = DEFAULT_BATCH }: RedisItemCountsStoreOptions) {
    assertPositiveInt('batchSize', batchSize)
    this.#client = client
    this.#key = itemCountsKey(prefix)
    this.#batchSize = batchSize
  }

  async add (counts: ReadonlyMap<string, number>): Promise<void> {
    assertCounts(counts)
    let pipeline = this.#client.pipeline()
    for (const [itemId, count] of counts) {
      if (count === 0) continue
      // HINCRBYFLOAT rather than HINCRBY: a field it wrote may hold a fraction, which HINCRBY refuses
      pipeline.hincrbyfloat(this.#key, itemId, count)
      if (pipeline.length >= this.#batchSize) {
        await run(pipeline)
        pipeline = this.#client.pipeline()
      }
    }
    if (pipeline.length > 0) await run(pipeline)
  }

  async read (): Promise<Map<string, number>> {
    // HSCAN in steps rather than one HGETALL: 100k items would block Redis and build one huge reply
    const totals = new Map<string, number>()
    let cursor = '0'
    do {
      const [next, flat] = await this.#client.hscan(this.#key, cursor, 'COUNT', this.#batchSize)
      for (let i = 0; i < flat.length; i += 2) totals.set(flat[i], Number(flat[i + 1]))
      cursor = next
    } while (cursor !== '0')
    return totals
  }

  async close (): Promise<void> {}
}

async function run (pipeline: ReturnType<RedisConnection['pipeline']>): Promise<void> {
  const results = await pipeline.exec()
  const failed = results?.find(([err]) => err !== null)
  if (failed !== undefined) throw failed[0]
}
