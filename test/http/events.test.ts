import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Interaction } from '../../src/data/dataset.js'
import { build } from '../helper.js'

async function logged (services: { eventLog: { readAll: () => AsyncIterable<Interaction> } }): Promise<Interaction[]> {
  const all: Interaction[] = []
  for await (const event of services.eventLog.readAll()) all.push(event)
  return all
}

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
    const batch = [{ userId: 'u1', itemId: 'i1', ts: 10 }, { userId: 'u2', itemId: 'i2', ts: 11 }, { userId: 'u1', itemId: 'i3', ts: 12 }]
    assert.equal((await app.inject({ method: 'POST', url: '/events', payload: batch })).statusCode, 202)
    assert.equal((await app.inject({ method: 'POST', url: '/events', payload: { events: batch } })).statusCode, 202)
    assert.deepEqual(await logged(services), [...batch, ...batch])
    assert.deepEqual(await services.history.recent('u1', 10), ['i1', 'i3', 'i1', 'i3'])
    const ingested = await services.metrics.eventsIngested.get()
    assert.equal(ingested.values[0].value, 6)
  })

  const bad: Array<[string, unknown]> = [
    ['an empty batch', []],
    ['a batch over 1000 events', Array.from({ length: 1001 }, () => ({ userId: 'u', itemId: 'i' }))],
    ['an event without itemId', { userId: 'u' }],
    ['a negative ts', { userId: 'u', itemId: 'i', ts: -1 }],
    ['a non-object event', ['u,i']]
  ]
  for (const [name, payload] of bad) {
    it(`rejects ${name} with 400 and logs nothing`, async (t) => {
      const { app, services } = await build(t)
      const res = await app.inject({ method: 'POST', url: '/events', payload: payload as object })
      assert.equal(res.statusCode, 400)
      assert.equal(res.json<{ code: string }>().code, 'INVALID_REQUEST')
      assert.deepEqual(await logged(services), [])
    })
  }

  it('rejects a whole batch when one event is bad, logging none of it', async (t) => {
    const { app, services } = await build(t)
    const res = await app.inject({ method: 'POST', url: '/events', payload: [{ userId: 'u', itemId: 'i' }, { userId: '', itemId: 'i' }] })
    assert.equal(res.statusCode, 400)
    assert.match(res.json<{ message: string }>().message, /events\.1\.userId/)
    assert.deepEqual(await logged(services), [])
  })

  it('answers 503 with Retry-After and acknowledges nothing when the log cannot store', async (t) => {
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
    await first.app.inject({ method: 'POST', url: '/events', payload: [{ userId: 'r', itemId: 'i1', ts: 1 }, { userId: 'r', itemId: 'i2', ts: 2 }] })
    await first.app.close()
    await first.services.close()
    const second = await build(t, {}, first.dir)
    assert.deepEqual((await logged(second.services)).map(e => e.itemId), ['i1', 'i2'])
    assert.deepEqual(await second.services.history.recent('r', 5), ['i1', 'i2'])
  })
})
