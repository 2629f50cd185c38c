import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Interaction } from '../../src/data/dataset.js'
import { eventKey } from '../../src/stores/event-id.js'
import { StoreError } from '../../src/stores/store-error.js'
import { build } from '../helper.js'

/** A plausible ts: milliseconds since the epoch (2024-11-29). */
const T0 = 1_732_870_000_000

async function logged (services: { eventLog: { readAll: () => AsyncIterable<Interaction> } }): Promise<Interaction[]> {
  const all: Interaction[] = []
  for await (const event of services.eventLog.readAll()) all.push(event)
  return all
}

/** What a client sent: the logged event without the key the server gave it. */
const sent = ({ userId, itemId, ts }: Interaction): Interaction => ({ userId, itemId, ts })

async function ingested (services: { metrics: { eventsIngested: { get: () => Promise<{ values: Array<{ value: number }> }> } } }): Promise<number> {
  return (await services.metrics.eventsIngested.get()).values[0]?.value ?? 0
}

const post = (payload: unknown) => ({ method: 'POST' as const, url: '/events', payload: payload as object })

describe('POST /events', () => {
  it('accepts one event, stamping a missing ts', async (t) => {
    const { app, services } = await build(t)
    const before = Date.now()
    const res = await app.inject({ method: 'POST', url: '/events', payload: { userId: 'u1', itemId: 'i1' } })
    assert.equal(res.statusCode, 202)
    assert.deepEqual(res.json(), { accepted: 1 })
    const [event] = await logged(services)
    assert.equal(event.userId, 'u1')
    assert.ok(event.ts >= before)
  })

  it('accepts a batch as an array or as { events }, keeping order and ts', async (t) => {
    const { app, services } = await build(t)
    const batch = [{ userId: 'u1', itemId: 'i1', ts: T0 }, { userId: 'u2', itemId: 'i2', ts: T0 + 1 }, { userId: 'u1', itemId: 'i3', ts: T0 + 2 }]
    const again = batch.map((e) => ({ ...e, ts: e.ts + 10 }))
    assert.equal((await app.inject(post(batch))).statusCode, 202)
    assert.equal((await app.inject(post({ events: again }))).statusCode, 202)
    assert.deepEqual((await logged(services)).map(sent), [...batch, ...again])
    assert.deepEqual(await services.history.recent('u1', 10), ['i1', 'i3', 'i1', 'i3'])
    assert.equal(await ingested(services), 6)
  })

  describe('retries (idempotency)', () => {
    it('records an event sent twice with the same eventId once: log, history and metric', async (t) => {
      const { app, services } = await build(t)
      const batch = [{ userId: 'u1', itemId: 'i1', eventId: 'e-1' }, { userId: 'u1', itemId: 'i2', eventId: 'e-2' }]
      for (let k = 0; k < 3; k++) {
        const res = await app.inject(post(batch))
        assert.equal(res.statusCode, 202)
        assert.deepEqual(res.json(), { accepted: 2 })
      }
      assert.deepEqual((await logged(services)).map((e) => [e.itemId, e.eventId]), [['i1', 'id:e-1'], ['i2', 'id:e-2']])
      assert.deepEqual(await services.history.recent('u1', 10), ['i1', 'i2'])
      assert.equal(await ingested(services), 2)
    })

    it('recognises a retry without eventId by the ts the client sent: same user, item and ts', async (t) => {
      const { app, services } = await build(t)
      const batch = [{ userId: 'u1', itemId: 'i1', ts: T0 }, { userId: 'u1', itemId: 'i1', ts: T0 + 1 }]
      await app.inject(post(batch))
      await app.inject(post(batch))
      await app.inject(post(batch[0]))
      const events = await logged(services)
      assert.deepEqual(events.map(sent), batch)
      assert.deepEqual(events.map((e) => e.eventId), batch.map((e) => eventKey(e)))
      assert.match(events[0].eventId ?? '', /^ts:[\w-]{22}$/)
      assert.deepEqual(await services.history.recent('u1', 10), ['i1', 'i1'])
    })

    it('cannot recognise a retry of an event with neither eventId nor ts: each copy is recorded', async (t) => {
      const { app, services } = await build(t)
      await app.inject(post({ userId: 'u1', itemId: 'i1' }))
      await app.inject(post({ userId: 'u1', itemId: 'i1' }))
      const events = await logged(services)
      assert.equal(events.length, 2)
      assert.equal(events[0].eventId, undefined)
      assert.deepEqual(await services.history.recent('u1', 10), ['i1', 'i1'])
    })

    it('keeps a client eventId apart from every derived one, and from the same text as a ts key', async (t) => {
      const { app, services } = await build(t)
      const derived = eventKey({ userId: 'u1', itemId: 'i1', ts: T0 }) as string
      await app.inject(post([{ userId: 'u1', itemId: 'i1', ts: T0 }, { userId: 'u1', itemId: 'i2', eventId: derived }]))
      assert.deepEqual((await logged(services)).map((e) => e.eventId), [derived, `id:${derived}`])
      assert.deepEqual(await services.history.recent('u1', 10), ['i1', 'i2'])
    })

    it('answers 503 "may or may not have been recorded" when the log wrote but did not confirm, and the retry records each event once', async (t) => {
      const { app, services } = await build(t)
      const append = services.eventLog.append.bind(services.eventLog)
      // a timeout after the write landed: the outcome is unknown to the route
      services.eventLog.append = async (events) => { await append(events); throw new Error('Command timed out') }
      const batch = [{ userId: 'u1', itemId: 'i1', eventId: 'a' }, { userId: 'u1', itemId: 'i2', ts: T0 }]
      const first = await app.inject(post(batch))
      assert.equal(first.statusCode, 503)
      assert.equal(first.headers['retry-after'], '1')
      const body = first.json<{ code: string, message: string }>()
      assert.equal(body.code, 'EVENTS_UNAVAILABLE')
      assert.match(body.message, /may or may not have been recorded/)
      assert.match(body.message, /retrying is safe for events with an eventId or a ts/)
      assert.doesNotMatch(body.message, /nothing was recorded/)
      assert.deepEqual(await services.history.recent('u1', 5), [])

      services.eventLog.append = append
      assert.equal((await app.inject(post(batch))).statusCode, 202)
      assert.deepEqual((await logged(services)).map((e) => e.itemId), ['i1', 'i2'])
      assert.deepEqual(await services.history.recent('u1', 5), ['i1', 'i2'], 'the retry completed the history')
      assert.equal(await ingested(services), 0, 'the retry added nothing new to the log')
    })

    it('answers 503 when the history fails after the log recorded, and the retry completes the history once', async (t) => {
      const { app, services } = await build(t)
      const historyAppend = services.history.append.bind(services.history)
      services.history.append = async () => { throw new Error('history down') }
      const batch = [{ userId: 'u1', itemId: 'i1', eventId: 'a' }, { userId: 'u2', itemId: 'i2', eventId: 'b' }]
      const first = await app.inject(post(batch))
      assert.equal(first.statusCode, 503)
      assert.equal(first.headers['retry-after'], '1')
      assert.match(first.json<{ message: string }>().message, /recorded but the user history was not updated/)

      services.history.append = historyAppend
      for (let k = 0; k < 2; k++) assert.equal((await app.inject(post(batch))).statusCode, 202)
      assert.equal((await logged(services)).length, 2)
      assert.deepEqual(await services.history.recent('u1', 5), ['i1'])
      assert.deepEqual(await services.history.recent('u2', 5), ['i2'])
    })

    const badIds: Array<[string, unknown]> = [['an empty eventId', ''], ['an eventId over 128 characters', 'e'.repeat(129)],
      ['a numeric eventId', 7], ['an eventId with a lone surrogate', 'e\ud800'], ['a null eventId', null]]
    for (const [name, eventId] of badIds) {
      it(`rejects ${name} with 400 naming events.0.eventId, logging nothing`, async (t) => {
        const { app, services } = await build(t)
        const res = await app.inject(post({ userId: 'u', itemId: 'i', eventId }))
        assert.equal(res.statusCode, 400)
        assert.equal(res.json<{ field: string }>().field, 'events.0.eventId')
        assert.deepEqual(await logged(services), [])
      })
    }

    it('accepts an eventId of 128 characters of any well-formed Unicode', async (t) => {
      const { app, services } = await build(t)
      const eventId = '🎬'.repeat(32) + 'é'.repeat(64)
      assert.equal((await app.inject(post({ userId: 'u', itemId: 'i', eventId }))).statusCode, 202)
      assert.equal((await logged(services))[0].eventId, `id:${eventId}`)
    })
  })

  const bad: Array<[string, unknown, string?]> = [
    ['an empty batch', []],
    ['a batch over 1000 events', Array.from({ length: 1001 }, () => ({ userId: 'u', itemId: 'i' }))],
    ['an event without itemId', { userId: 'u' }],
    ['a negative ts', { userId: 'u', itemId: 'i', ts: -1 }, 'events.0.ts'],
    ['a non-object event', ['u,i']],
    ['ts "1e400" (Infinity once coerced)', { userId: 'u', itemId: 'i', ts: '1e400' }, 'events.0.ts'],
    ['ts "Infinity"', { userId: 'u', itemId: 'i', ts: 'Infinity' }, 'events.0.ts'],
    ['ts "-1e400"', { userId: 'u', itemId: 'i', ts: '-1e400' }, 'events.0.ts'],
    ['ts as a numeric string', { userId: 'u', itemId: 'i', ts: '123' }, 'events.0.ts'],
    ['ts in seconds', { userId: 'u', itemId: 'i', ts: 1_732_870_000 }, 'events.0.ts'],
    ['ts before 2000', { userId: 'u', itemId: 'i', ts: Date.UTC(1999, 11, 31) }, 'events.0.ts'],
    ['ts more than a day ahead', { userId: 'u', itemId: 'i', ts: Date.now() + 2 * 86_400_000 }, 'events.0.ts'],
    ['a fractional ts', { userId: 'u', itemId: 'i', ts: T0 + 0.5 }, 'events.0.ts'],
    ['a numeric userId', { userId: 123, itemId: 'i' }, 'events.0.userId'],
    ['a userId with a lone surrogate', { userId: 'u\ud800', itemId: 'i' }, 'events.0.userId'],
    ['an itemId with a lone low surrogate', { userId: 'u', itemId: '\udc00i' }, 'events.0.itemId']
  ]
  for (const [name, payload, field] of bad) {
    it(`rejects ${name} with 400 and logs nothing`, async (t) => {
      const { app, services } = await build(t)
      const res = await app.inject({ method: 'POST', url: '/events', payload: payload as object })
      assert.equal(res.statusCode, 400)
      const body = res.json<{ code: string, field?: string, message: string }>()
      assert.equal(body.code, 'INVALID_REQUEST')
      if (field !== undefined) {
        assert.equal(body.field, field)
        assert.ok(body.message.includes(field), body.message)
      }
      assert.deepEqual(await logged(services), [])
      assert.deepEqual(await services.history.recent('u', 5), [])
    })
  }

  it('stamps ts: null with the time of receipt, like a missing ts', async (t) => {
    const { app, services } = await build(t)
    const before = Date.now()
    const res = await app.inject({ method: 'POST', url: '/events', payload: { userId: 'u1', itemId: 'i1', ts: null } })
    assert.equal(res.statusCode, 202)
    const [event] = await logged(services)
    assert.ok(event.ts >= before && event.ts <= Date.now(), `ts ${event.ts} is not the time of receipt`)
  })

  it('accepts a ts up to a day ahead (clock skew)', async (t) => {
    const { app, services } = await build(t)
    const ts = Date.now() + 3_600_000
    assert.equal((await app.inject({ method: 'POST', url: '/events', payload: { userId: 'u1', itemId: 'i1', ts } })).statusCode, 202)
    assert.equal((await logged(services))[0].ts, ts)
  })

  it('answers a store refusing validated events as the bug it is (500), not as an outage to retry', async (t) => {
    const { app, services } = await build(t)
    services.eventLog.append = async () => { throw new StoreError('EVENT_INVALID', 'not a loggable interaction') }
    const res = await app.inject({ method: 'POST', url: '/events', payload: { userId: 'u', itemId: 'i' } })
    assert.equal(res.statusCode, 500)
    assert.equal(res.headers['retry-after'], undefined)
    assert.deepEqual(res.json(), { statusCode: 500, code: 'INTERNAL', message: 'internal error' })
  })

  it('rejects a whole batch when one event is bad, logging none of it', async (t) => {
    const { app, services } = await build(t)
    const res = await app.inject({ method: 'POST', url: '/events', payload: [{ userId: 'u', itemId: 'i' }, { userId: '', itemId: 'i' }] })
    assert.equal(res.statusCode, 400)
    assert.match(res.json<{ message: string }>().message, /events\.1\.userId/)
    assert.deepEqual(await logged(services), [])
  })

  it('answers 503 with Retry-After and leaves the history alone when the log cannot store', async (t) => {
    const { app, services } = await build(t)
    services.eventLog.append = async () => { throw new Error('disk full') }
    const res = await app.inject({ method: 'POST', url: '/events', payload: { userId: 'u', itemId: 'i' } })
    assert.equal(res.statusCode, 503)
    assert.equal(res.headers['retry-after'], '1')
    assert.equal(res.json<{ code: string }>().code, 'EVENTS_UNAVAILABLE')
    assert.deepEqual(await services.history.recent('u', 5), [])
  })

  it('keeps acknowledged events across a restart of the service', async (t) => {
    const first = await build(t)
    await first.app.inject({ method: 'POST', url: '/events', payload: [{ userId: 'r', itemId: 'i1', ts: T0 }, { userId: 'r', itemId: 'i2', ts: T0 + 1 }] })
    await first.app.close()
    await first.services.close()
    const second = await build(t, {}, first.dir)
    assert.deepEqual((await logged(second.services)).map(e => e.itemId), ['i1', 'i2'])
    assert.deepEqual(await second.services.history.recent('r', 5), ['i1', 'i2'])
  })

  it('recognises, after a restart, a retry of events logged before it', async (t) => {
    const batch = [{ userId: 'r', itemId: 'i1', eventId: 'a' }, { userId: 'r', itemId: 'i2', ts: T0 }]
    const first = await build(t)
    await first.app.inject(post(batch))
    await first.app.close()
    await first.services.close()
    const second = await build(t, {}, first.dir)
    assert.equal((await second.app.inject(post(batch))).statusCode, 202)
    assert.deepEqual((await logged(second.services)).map((e) => e.itemId), ['i1', 'i2'])
    assert.equal(await ingested(second.services), 0)
  })

  it('keeps the history of a user free of a retried event after a restart', async (t) => {
    const batch = [{ userId: 'r', itemId: 'i1', eventId: 'a' }]
    const first = await build(t)
    await first.app.inject(post(batch))
    await first.app.close()
    await first.services.close()
    const second = await build(t, {}, first.dir)
    await second.app.inject(post(batch))
    assert.deepEqual(await second.services.history.recent('r', 5), ['i1'])
  })
})
