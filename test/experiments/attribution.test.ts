import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { build, type Built } from '../helper.js'
import type { ArmStats } from '../../src/stores/impression-log.js'

interface Shown { id: string, version: number, items: string[] }

async function recommend ({ app }: Built, userId: string): Promise<Shown> {
  const res = await app.inject({ url: `/recommend?userId=${userId}&k=5` })
  assert.equal(res.statusCode, 200, res.body)
  const body = res.json()
  return { id: body.recommendationId, version: body.modelVersion, items: body.items.map((i: { itemId: string }) => i.itemId) }
}

async function post ({ app }: Built, events: object[]): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/events', payload: events })
  assert.equal(res.statusCode, 202, res.body)
}

async function stats ({ services }: Built, version: number): Promise<ArmStats> {
  await services.online.tasks.idle()
  return await services.stores.impressions.stats(`v${version}:serving`)
}

async function setup (t: TestContext, env: Record<string, string> = {}): Promise<Built> {
  return await build(t, env)
}

describe('attribution', () => {
  it('attributes an event by recommendationId to the rank the item was shown at', async (t) => {
    const built = await setup(t)
    const shown = await recommend(built, 'u1')
    await built.services.online.tasks.idle()
    await post(built, [{ userId: 'u1', itemId: shown.items[2], recommendationId: shown.id, eventId: 'c1' }])
    assert.deepEqual(await stats(built, shown.version), { impressions: 1, listsWithEvent: 1, eventsByRank: [0, 0, 1], itemsShown: 5 })
  })

  it('attributes an event without an id to the user\'s latest list holding the item', async (t) => {
    const built = await setup(t)
    const first = await recommend(built, 'u2')
    const second = await recommend(built, 'u2')
    await built.services.online.tasks.idle()
    await post(built, [{ userId: 'u2', itemId: second.items[0], eventId: 'w1' }])
    const got = await stats(built, first.version)
    assert.equal(got.impressions, 2)
    assert.equal(got.listsWithEvent, 1)
    assert.deepEqual(got.eventsByRank, [1])
    // the newest list got it (both held the item: the same user, the same history)
    const [newest] = await built.services.stores.impressions.recent(1)
    assert.equal(newest.id, second.id)
  })

  it('does not attribute an event to a list served longer ago than ATTRIBUTION_WINDOW', async (t) => {
    const built = await setup(t)
    const shown = await recommend(built, 'u3')
    await built.services.online.tasks.idle()
    // an event the client stamped two hours after the list was shown
    await post(built, [{ userId: 'u3', itemId: shown.items[0], ts: Date.now() + 2 * 3600_000, eventId: 'late' }])
    assert.deepEqual((await stats(built, shown.version)).listsWithEvent, 0)
  })

  it('counts an event that arrives before its impression is recorded, once the impression is', async (t) => {
    const built = await setup(t)
    const log = built.services.stores.impressions
    const record = log.record.bind(log)
    let release = (): void => {}
    const held = new Promise<void>((resolve) => { release = resolve })
    log.record = async (impression) => {
      await held
      return await record(impression)
    }
    const shown = await recommend(built, 'u4')
    await post(built, [{ userId: 'u4', itemId: shown.items[1], recommendationId: shown.id, eventId: 'early' }])
    // the event is parked in the log; the impression has not been written yet
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.equal((await log.stats(`v${shown.version}:serving`)).impressions, 0)
    release()
    assert.deepEqual(await stats(built, shown.version), { impressions: 1, listsWithEvent: 1, eventsByRank: [0, 1], itemsShown: 5 })
  })

  it('counts duplicates and retries (the same eventId) once, by id and by window', async (t) => {
    const built = await setup(t)
    const shown = await recommend(built, 'u5')
    await built.services.online.tasks.idle()
    const byId = { userId: 'u5', itemId: shown.items[0], recommendationId: shown.id, eventId: 'retry-1' }
    const byWindow = { userId: 'u5', itemId: shown.items[3], eventId: 'retry-2' }
    await post(built, [byId, byId, byWindow])
    await post(built, [byId, byWindow])
    // a second click on the same item of the same list is the same outcome
    await post(built, [{ ...byId, eventId: 'another-click' }])
    assert.deepEqual(await stats(built, shown.version), { impressions: 1, listsWithEvent: 1, eventsByRank: [1, 0, 0, 1], itemsShown: 5 })
  })

  it('refuses a recommendationId that is not an id with a 400, recording nothing', async (t) => {
    const built = await setup(t)
    for (const recommendationId of ['', 7, 'x'.repeat(129), null]) {
      const res = await built.app.inject({ method: 'POST', url: '/events', payload: { userId: 'u6', itemId: 'i1', recommendationId } })
      assert.equal(res.statusCode, 400, JSON.stringify(recommendationId))
      assert.equal(res.json().code, 'INVALID_REQUEST')
    }
  })

  it('answers POST /events when attribution fails, and counts the failure', async (t) => {
    const built = await setup(t)
    built.services.stores.impressions.attribute = async () => { throw new Error('down') }
    await post(built, [{ userId: 'u7', itemId: 'i1', recommendationId: 'r-1', eventId: 'x' }])
    await built.services.online.tasks.idle()
    const failures = await built.services.metrics.registry.getSingleMetric('distillrec_store_errors_total')?.get()
    assert.equal(failures?.values.find((v) => v.labels.store === 'impressions' && v.labels.op === 'attribute')?.value, 1)
  })
})
