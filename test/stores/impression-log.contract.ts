import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import type { Impression, ImpressionLog } from '../../src/stores/impression-log.js'

export type MakeImpressionLog = (options: { maxImpressions: number, windowMs: number }) => ImpressionLog | Promise<ImpressionLog>

let serial = 0
/** An impression served now, with a unique id. */
export function impression (fields: Partial<Impression> = {}): Impression {
  return { id: `r-${++serial}-${Math.random().toString(36).slice(2)}`, userId: 'u1', version: 3, arm: 'serving', experimentId: null, items: ['a', 'b', 'c'], ts: Date.now(), ...fields }
}

/** The ImpressionLog contract, for the memory twin and the Redis implementation alike. */
export function impressionLogContract (name: string, make: MakeImpressionLog): void {
  describe(name, () => {
    const open = async (t: TestContext, maxImpressions = 100, windowMs = 60_000): Promise<ImpressionLog> => {
      const log = await make({ maxImpressions, windowMs })
      t.after(async () => await log.close())
      return log
    }

    it('reads recorded impressions back, newest first', async (t) => {
      const log = await open(t)
      const a = impression({ userId: 'quoted "user"\n☕' })
      const b = impression({ userId: null, arm: 'candidate', experimentId: 4 })
      assert.deepEqual(await log.record(a), [])
      await log.record(b)
      assert.deepEqual(await log.recent(10), [b, a])
    })

    it('attributes an event by recommendationId to its rank, once per key and once per item', async (t) => {
      const log = await open(t)
      const shown = impression({ items: ['a', 'b', 'c'] })
      await log.record(shown)
      assert.deepEqual(await log.attribute({ recommendationId: shown.id, itemId: 'b', key: 'e1' }), { outcome: 'attributed', impression: shown, rank: 2, firstForList: true })
      assert.deepEqual(await log.attribute({ recommendationId: shown.id, itemId: 'b', key: 'e1' }), { outcome: 'duplicate' })
      assert.deepEqual(await log.attribute({ recommendationId: shown.id, itemId: 'b', key: 'e2' }), { outcome: 'duplicate' })
      assert.deepEqual(await log.attribute({ recommendationId: shown.id, itemId: 'x', key: 'e3' }), { outcome: 'not-shown', impression: shown })
      const c = await log.attribute({ recommendationId: shown.id, itemId: 'c', key: 'e4' })
      assert.equal(c.outcome === 'attributed' && c.firstForList, false)
      assert.deepEqual(await log.stats('v3:serving'), { impressions: 1, listsWithEvent: 1, eventsByRank: [0, 1, 1], itemsShown: 3 })
    })

    it('parks an event that arrives before its impression and counts it when the impression is recorded', async (t) => {
      const log = await open(t)
      const late = impression({ items: ['a', 'b'] })
      assert.deepEqual(await log.attribute({ recommendationId: late.id, itemId: 'a', key: 'early' }), { outcome: 'parked' })
      assert.deepEqual(await log.attribute({ recommendationId: late.id, itemId: 'a', key: 'early' }), { outcome: 'duplicate' })
      assert.deepEqual(await log.record(late), [{ outcome: 'attributed', impression: late, rank: 1, firstForList: true }])
      assert.deepEqual((await log.stats('v3:serving')).listsWithEvent, 1)
    })

    it('counts an impression in its version group and its experiment group', async (t) => {
      const log = await open(t)
      await log.record(impression({ version: 5, arm: 'candidate', experimentId: 2, items: ['a', 'b'] }))
      await log.record(impression({ version: 5, arm: 'candidate', experimentId: 2, items: ['b', 'c'] }))
      await log.record(impression({ version: 4, arm: 'control', experimentId: 2, items: ['a'] }))
      assert.deepEqual(await log.stats('v5:candidate'), { impressions: 2, listsWithEvent: 0, eventsByRank: [], itemsShown: 3 })
      assert.deepEqual(await log.stats('x2:candidate'), { impressions: 2, listsWithEvent: 0, eventsByRank: [], itemsShown: 3 })
      assert.deepEqual(await log.stats('x2:control'), { impressions: 1, listsWithEvent: 0, eventsByRank: [], itemsShown: 1 })
      assert.deepEqual(await log.stats('x9:control'), { impressions: 0, listsWithEvent: 0, eventsByRank: [], itemsShown: 0 })
    })

    it('counts a shared frozen list (a cached answer shown again) as often as it is shown, its items once per group', async (t) => {
      const log = await open(t)
      const list = Object.freeze(['a', 'b'])
      await log.record(impression({ items: list }))
      await log.record(impression({ items: list }))
      await log.record(impression({ items: list, arm: 'candidate', experimentId: 2 }))
      await log.record(impression({ items: Object.freeze(['b', 'c']) }))
      assert.deepEqual(await log.stats('v3:serving'), { impressions: 3, listsWithEvent: 0, eventsByRank: [], itemsShown: 3 })
      assert.deepEqual(await log.stats('x2:candidate'), { impressions: 1, listsWithEvent: 0, eventsByRank: [], itemsShown: 2 })
      const [latest] = await log.recent(1)
      assert.deepEqual(latest.items, ['b', 'c'])
    })

    it('attributes an event without an id to the user\'s latest list holding the item within the window', async (t) => {
      const log = await open(t)
      const old = impression({ items: ['a', 'b'], ts: Date.now() - 1000 })
      const newer = impression({ items: ['b', 'c'] })
      const shadow = impression({ id: newer.id + '~shadow', arm: 'shadow', items: ['a', 'z'] })
      for (const i of [old, newer, shadow]) await log.record(i)
      assert.deepEqual(await log.attributeLatest('u1', 'b', 'k1', 0, false), { outcome: 'attributed', impression: newer, rank: 1, firstForList: true })
      assert.deepEqual(await log.attributeLatest('u1', 'b', 'k1', 0, false), { outcome: 'duplicate' })
      assert.deepEqual(await log.attributeLatest('u1', 'a', 'k2', 0, false), { outcome: 'attributed', impression: old, rank: 1, firstForList: true })
      assert.equal(await log.attributeLatest('u1', 'a', 'k3', Date.now() - 100, false), null)
      assert.deepEqual(await log.attributeLatest('u1', 'z', 'k4', 0, true), { outcome: 'attributed', impression: shadow, rank: 2, firstForList: true })
      assert.equal(await log.attributeLatest('u1', 'z', 'k5', 0, false), null)
      assert.equal(await log.attributeLatest('nobody', 'a', 'k6', 0, false), null)
    })

    it('keeps at most about maxImpressions in the log', async (t) => {
      const log = await open(t, 5)
      for (let n = 0; n < 400; n++) await log.record(impression({ userId: `u${n}` }))
      const kept = await log.recent(1000)
      // a Redis stream's ~ cap trims whole nodes (100 entries by default)
      assert.ok(kept.length >= 5 && kept.length <= 105, `${kept.length} kept`)
    })

    it('forgets impressions after the window: a late event is parked, not attributed', async (t) => {
      const log = await open(t, 100, 30)
      const shown = impression()
      await log.record(shown)
      await new Promise((resolve) => setTimeout(resolve, 80))
      assert.deepEqual(await log.attribute({ recommendationId: shown.id, itemId: 'a', key: 'late' }), { outcome: 'parked' })
    })
  })
}
