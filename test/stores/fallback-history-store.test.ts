import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FallbackHistoryStore } from '../../src/stores/fallback-history-store.js'
import type { HistoryStore } from '../../src/stores/history-store.js'
import { MemoryHistoryStore } from '../../src/stores/memory-history-store.js'
import { CircuitOpenError, type Circuit } from '../../src/stores/redis-circuit.js'

/** A primary that works until `down` is set, then fails every call like a lost connection. */
class FlakyHistory implements HistoryStore {
  down = false
  closed = false
  readonly inner = new MemoryHistoryStore({ maxPerUser: 10 })

  async append (userId: string, itemIds: readonly string[], eventIds?: ReadonlyArray<string | undefined>): Promise<void> {
    this.#check()
    await this.inner.append(userId, itemIds, eventIds)
  }

  async recent (userId: string, limit: number): Promise<string[]> {
    this.#check()
    return await this.inner.recent(userId, limit)
  }

  async close (): Promise<void> { this.closed = true }

  #check (): void {
    if (this.down) throw Object.assign(new Error('Connection is closed.'), { code: 'ECONNRESET' })
  }
}

function setup (): { primary: FlakyHistory, fallback: MemoryHistoryStore, store: FallbackHistoryStore, errors: Array<[unknown, string]> } {
  const primary = new FlakyHistory()
  const fallback = new MemoryHistoryStore({ maxPerUser: 10 })
  const errors: Array<[unknown, string]> = []
  const store = new FallbackHistoryStore(primary, fallback, { onError: (err, op) => { errors.push([err, op]) } })
  return { primary, fallback, store, errors }
}

describe('FallbackHistoryStore', () => {
  it('reads from the primary while it works, reporting nothing', async () => {
    const { primary, store, errors } = setup()
    await primary.inner.append('u', ['from-primary'])
    assert.deepEqual(await store.recent('u', 5), ['from-primary'])
    assert.deepEqual(errors, [])
  })

  it('records every append in both the primary and the fallback', async () => {
    const { primary, fallback, store } = setup()
    await store.append('u', ['a', 'b'])
    assert.deepEqual(await primary.inner.recent('u', 5), ['a', 'b'])
    assert.deepEqual(await fallback.recent('u', 5), ['a', 'b'])
  })

  it('passes eventIds on to both, so a retried event is recorded once in each', async () => {
    const { primary, fallback, store } = setup()
    await store.append('u', ['a'], ['e1'])
    await store.append('u', ['a', 'b'], ['e1', 'e2'])
    assert.deepEqual(await primary.inner.recent('u', 5), ['a', 'b'])
    assert.deepEqual(await fallback.recent('u', 5), ['a', 'b'])
  })

  it('absorbs a failed primary append, reports it and keeps the items in the fallback', async () => {
    const { primary, fallback, store, errors } = setup()
    primary.down = true
    await store.append('u', ['a'])
    assert.deepEqual(await fallback.recent('u', 5), ['a'])
    assert.equal(errors.length, 1)
    assert.equal(errors[0][1], 'append')
    assert.equal((errors[0][0] as { code: string }).code, 'ECONNRESET')
  })

  it('serves a failed primary read from the fallback, items from before the outage included', async () => {
    const { primary, store, errors } = setup()
    await store.append('u', ['before'])
    primary.down = true
    await store.append('u', ['during'])
    assert.deepEqual(await store.recent('u', 5), ['before', 'during'])
    assert.deepEqual(errors.map(([, op]) => op), ['append', 'recent'])
  })

  it('goes back to the primary once it works again', async () => {
    const { primary, store, errors } = setup()
    primary.down = true
    await store.append('u', ['during'])
    primary.down = false
    await store.append('u', ['after'])
    assert.deepEqual(await store.recent('u', 5), ['after'])
    assert.equal(errors.length, 1)
  })

  it('does not call the primary while its breaker is open, and reports nothing', async () => {
    const primary = new FlakyHistory()
    await primary.inner.append('u', ['in-redis'])
    const fallback = new MemoryHistoryStore({ maxPerUser: 10 })
    const errors: string[] = []
    const circuit: Circuit = {
      open: true,
      call: async () => { throw new CircuitOpenError() }
    }
    const store = new FallbackHistoryStore(primary, fallback, { onError: (_err, op) => { errors.push(op) }, circuit })
    primary.down = true
    await store.append('u', ['during'])
    assert.deepEqual(await store.recent('u', 5), ['during'])
    assert.deepEqual(await primary.inner.recent('u', 5), ['in-redis'], 'the primary was not written')
    assert.deepEqual(errors, [])
  })

  it('lets its breaker count the primary\'s outcomes while closed', async () => {
    const { primary, fallback } = setup()
    const outcomes: string[] = []
    const circuit: Circuit = {
      open: false,
      call: async (command) => {
        try {
          const result = await command()
          outcomes.push('ok')
          return result
        } catch (err) {
          outcomes.push('failed')
          throw err
        }
      }
    }
    const store = new FallbackHistoryStore(primary, fallback, { onError: () => {}, circuit })
    await store.append('u', ['a'])
    primary.down = true
    assert.deepEqual(await store.recent('u', 5), ['a'])
    assert.deepEqual(outcomes, ['ok', 'failed'])
  })

  it('closes the primary and the fallback', async () => {
    const primary = new FlakyHistory()
    const fallback = new FlakyHistory()
    await new FallbackHistoryStore(primary, fallback, { onError: () => {} }).close()
    assert.deepEqual([primary.closed, fallback.closed], [true, true])
  })
})
