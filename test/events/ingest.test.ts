import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { ServiceError } from '../../src/errors.js'
import { EventIngest } from '../../src/events/ingest.js'
import { replay } from '../../src/events/replay.js'
import { MemoryEventLog } from '../../src/stores/memory-event-log.js'
import { MemoryHistoryStore } from '../../src/stores/memory-history-store.js'
import type { HistoryStore } from '../../src/stores/history-store.js'

const NOW = Date.UTC(2026, 0, 1)
const silent = pino({ level: 'silent' })

describe('EventIngest', () => {
  it('logs, then appends each user\'s events in order, and a retry adds nothing twice', async () => {
    const eventLog = new MemoryEventLog()
    const history = new MemoryHistoryStore({ maxPerUser: 10 })
    const ingested: number[] = []
    const changed: string[] = []
    const ingest = new EventIngest({ eventLog, history, onIngested: (n) => ingested.push(n), onUserChanged: (u) => changed.push(u), now: () => NOW })
    const batch = [{ userId: 'a', itemId: 'i1', eventId: 'e1' }, { userId: 'b', itemId: 'i2', eventId: 'e2' }, { userId: 'a', itemId: 'i3', eventId: 'e3' }]
    assert.equal(await ingest.ingest(batch, silent), 3)
    assert.equal(await ingest.ingest(batch, silent), 3)
    assert.deepEqual(await history.recent('a', 10), ['i1', 'i3'])
    assert.deepEqual(await history.recent('b', 10), ['i2'])
    assert.deepEqual(ingested, [3, 0])
    assert.deepEqual(changed, ['a', 'b', 'a', 'b'])
  })

  it('refuses a ts more than a day ahead before writing anything', async () => {
    const eventLog = new MemoryEventLog()
    const ingest = new EventIngest({ eventLog, history: new MemoryHistoryStore({ maxPerUser: 10 }), now: () => NOW })
    await assert.rejects(ingest.ingest([{ userId: 'a', itemId: 'i1' }, { userId: 'a', itemId: 'i2', ts: NOW + 86_400_001 }], silent),
      (err: unknown) => err instanceof ServiceError && err.code === 'INVALID_REQUEST' && err.field === 'events.1.ts')
    const logged = []
    for await (const event of eventLog.readAll()) logged.push(event)
    assert.deepEqual(logged, [])
  })

  it('answers EVENTS_UNAVAILABLE when the history fails, and still drops what was derived from it', async () => {
    const broken: HistoryStore = { append: async () => { throw new Error('timeout') }, recent: async () => [], close: async () => {} }
    const changed: string[] = []
    const ingest = new EventIngest({ eventLog: new MemoryEventLog(), history: broken, onUserChanged: (u) => changed.push(u) })
    await assert.rejects(ingest.ingest([{ userId: 'a', itemId: 'i1', eventId: 'e1' }], silent),
      (err: unknown) => err instanceof ServiceError && err.code === 'EVENTS_UNAVAILABLE' && err.headers?.['retry-after'] === '1')
    assert.deepEqual(changed, ['a'])
  })
})

describe('replay', () => {
  it('rebuilds every user\'s history from the log, eventIds included, so a logged retry is known', async () => {
    const eventLog = new MemoryEventLog()
    await eventLog.append([{ userId: 'a', itemId: 'i1', ts: NOW, eventId: 'id:e1' }, { userId: 'b', itemId: 'i2', ts: NOW }, { userId: 'a', itemId: 'i3', ts: NOW }])
    const history = new MemoryHistoryStore({ maxPerUser: 10 })
    assert.equal(await replay(eventLog, history), 3)
    assert.deepEqual(await history.recent('a', 10), ['i1', 'i3'])
    await history.append('a', ['i1'], ['id:e1'])
    assert.deepEqual(await history.recent('a', 10), ['i1', 'i3'])
  })
})
