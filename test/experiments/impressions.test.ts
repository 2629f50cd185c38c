import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { build } from '../helper.js'
import type { Impression } from '../../src/stores/impression-log.js'

describe('impressions', () => {
  it('gives every answer a recommendationId, in the body and the X-Recommendation-Id header, and records what was shown', async (t) => {
    const { app, services } = await build(t)
    const res = await app.inject({ method: 'GET', url: '/recommend?userId=u1&k=5' })
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.match(body.recommendationId, /^[0-9a-f-]{36}$/)
    assert.equal(res.headers['x-recommendation-id'], body.recommendationId)
    await services.online.tasks.idle()
    const [recorded] = await services.stores.impressions.recent(1)
    assert.deepEqual({ ...recorded, ts: 0 }, {
      id: body.recommendationId,
      userId: 'u1',
      version: body.modelVersion,
      arm: 'serving',
      experimentId: null,
      items: body.items.map((i: { itemId: string }) => i.itemId),
      ts: 0
    } satisfies Impression)
    assert.ok(Math.abs(recorded.ts - Date.now()) < 60_000)
  })

  it('gives each answer its own id: POST, anonymous histories and every batch entry', async (t) => {
    const { app, services } = await build(t)
    const post = await app.inject({ method: 'POST', url: '/recommend', payload: { history: ['i1', 'i2'], k: 3 } })
    const batch = await app.inject({ method: 'POST', url: '/recommend/batch', payload: { requests: [{ userId: 'u1' }, { userId: 'u2' }, { k: 1 }] } })
    assert.equal(post.statusCode, 200)
    assert.equal(post.headers['x-recommendation-id'], post.json().recommendationId)
    const results = batch.json().results
    const ids = [post.json().recommendationId, results[0].recommendationId, results[1].recommendationId]
    assert.equal(new Set(ids).size, 3)
    assert.equal(results[2].code, 'INVALID_REQUEST')
    await services.online.tasks.idle()
    const recent = await services.stores.impressions.recent(10)
    assert.deepEqual(recent.map((i) => i.id).sort(), [...ids].sort())
    assert.equal(recent.find((i) => i.id === ids[0])?.userId, null)
  })

  it('records no impression with IMPRESSION_SAMPLE=0, and still names the answer', async (t) => {
    const { app, services } = await build(t, { IMPRESSION_SAMPLE: '0' })
    const res = await app.inject({ method: 'GET', url: '/recommend?userId=u1' })
    assert.match(res.json().recommendationId, /^[0-9a-f-]{36}$/)
    await services.online.tasks.idle()
    assert.deepEqual(await services.stores.impressions.recent(10), [])
  })

  it('answers every request when the impression log fails, and counts the failures', async (t) => {
    const { app, services } = await build(t)
    services.stores.impressions.record = async () => { throw new Error('impression log down') }
    for (let n = 0; n < 3; n++) {
      const res = await app.inject({ method: 'GET', url: `/recommend?userId=u${n}` })
      assert.equal(res.statusCode, 200)
    }
    await services.online.tasks.idle()
    const failures = await services.metrics.registry.getSingleMetric('distillrec_store_errors_total')?.get()
    assert.equal(failures?.values.find((v) => v.labels.store === 'impressions' && v.labels.op === 'record')?.value, 3)
  })

  it('answers before the impression is recorded: a stalled log never slows a request', async (t) => {
    const { app, services } = await build(t)
    let release = (): void => {}
    services.stores.impressions.record = async () => await new Promise((resolve) => { release = () => resolve([]) })
    const res = await app.inject({ method: 'GET', url: '/recommend?userId=u1' })
    assert.equal(res.statusCode, 200)
    assert.equal(services.online.tasks.inFlight, 1)
    release()
    await services.online.tasks.idle()
  })
})
