import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RankedCache, type CacheResult } from '../../src/serving/ranked-cache.js'
import type { RankedItems } from '../../src/serving/servable.js'
import type { Cache } from '../../src/stores/cache.js'
import { CircuitCache, CircuitEventLog } from '../../src/stores/circuit-stores.js'
import { MemoryCache } from '../../src/stores/memory-cache.js'
import { MemoryEventLog } from '../../src/stores/memory-event-log.js'
import { CircuitOpenError, type Circuit } from '../../src/stores/redis-circuit.js'

/** A breaker opened and closed by hand, as RedisCircuit does on its own. */
class ManualCircuit implements Circuit {
  open = false
  calls = 0

  async call<T> (command: () => Promise<T>): Promise<T> {
    if (this.open) throw new CircuitOpenError()
    this.calls++
    return await command()
  }
}

/** Counts what reaches the cache behind the breaker. */
class CountingCache implements Cache {
  gets = 0
  sets = 0
  readonly inner = new MemoryCache({ maxEntries: 100 })
  async get (key: string): Promise<Buffer | null> { this.gets++; return await this.inner.get(key) }
  async set (key: string, value: Buffer, ttlMs: number): Promise<void> { this.sets++; await this.inner.set(key, value, ttlMs) }
  async close (): Promise<void> {}
}

const ranking: RankedItems = { items: Int32Array.from([3, 1, 2]), scores: Float32Array.from([0.9, 0.5, 0.1]) }

function setup () {
  const circuit = new ManualCircuit()
  const inner = new CountingCache()
  const results: CacheResult[] = []
  const writeErrors: unknown[] = []
  const ranked = new RankedCache({
    cache: new CircuitCache(inner, circuit),
    ttlMs: 60_000,
    depth: 10,
    onResult: (result) => results.push(result),
    onWriteError: (err) => writeErrors.push(err)
  })
  let computed = 0
  const compute = async (): Promise<RankedItems> => { computed++; return ranking }
  return { circuit, inner, ranked, results, writeErrors, compute, computed: () => computed }
}

describe('the ranking cache behind the Redis breaker', () => {
  it('reads and writes through while the breaker is closed', async () => {
    const { inner, ranked, results, compute, computed } = setup()
    await ranked.rank('k', 3, compute)
    await ranked.rank('k', 3, compute)
    assert.deepEqual(results, ['miss', 'hit'])
    assert.deepEqual([inner.gets, inner.sets, computed()], [2, 1, 1])
  })

  it('neither reads nor writes the cache while the breaker is open: the look-up is an error and the ranking computed', async () => {
    const { circuit, inner, ranked, results, writeErrors, compute, computed } = setup()
    circuit.open = true
    const answer = await ranked.rank('k', 3, compute)
    assert.deepEqual([...answer.items], [3, 1, 2])
    assert.deepEqual(results, ['error'])
    assert.deepEqual([inner.gets, inner.sets, computed()], [0, 0, 1])
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(writeErrors, [], 'a write skipped for the breaker is no write error')
  })
})

describe('CircuitEventLog', () => {
  it('appends through the closed breaker, passing its result on, and refuses at once, writing nothing, while it is open', async () => {
    const circuit = new ManualCircuit()
    const inner = new MemoryEventLog()
    const log = new CircuitEventLog(inner, circuit)
    assert.deepEqual(await log.append([{ userId: 'u', itemId: 'a', ts: 1 }]), { added: 1 }, 'the inner log\'s result is passed on')
    circuit.open = true
    await assert.rejects(log.append([{ userId: 'u', itemId: 'b', ts: 2 }]), CircuitOpenError)
    const logged = []
    for await (const event of log.readAll()) logged.push(event.itemId)
    assert.deepEqual(logged, ['a'])
    assert.equal(circuit.calls, 1)
    await log.close()
  })
})
