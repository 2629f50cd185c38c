import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryImpressionLog } from '../../src/stores/memory-impression-log.js'
import { impression } from './impression-log.contract.js'

describe('MemoryImpressionLog', () => {
  it('keeps exactly the newest maxImpressions, in order, and attributes only to those', async () => {
    const log = new MemoryImpressionLog({ maxImpressions: 5, windowMs: 60_000 })
    const shown = Array.from({ length: 13 }, (_, n) => impression({ userId: `u${n % 3}`, items: [`i${n}`] }))
    for (const one of shown) await log.record(one)
    assert.deepEqual(await log.recent(100), shown.slice(-5).reverse())
    assert.deepEqual(await log.recent(2), shown.slice(-2).reverse())
    assert.equal((await log.attribute({ recommendationId: shown[7].id, itemId: 'i7', key: 'old' })).outcome, 'parked')
    assert.equal((await log.attribute({ recommendationId: shown[8].id, itemId: 'i8', key: 'kept' })).outcome, 'attributed')
    // u1's lists: 1, 4, 7, 10; only 10 is still held
    assert.equal(await log.attributeLatest('u1', 'i7', 'by-user-old', 0, false), null)
    assert.equal((await log.attributeLatest('u1', 'i10', 'by-user', 0, false))?.outcome, 'attributed')
    assert.deepEqual(await log.stats('v3:serving'), { impressions: 13, listsWithEvent: 2, eventsByRank: [2], itemsShown: 13 })
  })

  it('moves an impression recorded again to the newest place, counting it afresh', async () => {
    const log = new MemoryImpressionLog({ maxImpressions: 3, windowMs: 60_000 })
    const [a, b, c] = [impression({ items: ['x'] }), impression(), impression()]
    await log.record(a)
    await log.record(b)
    assert.equal((await log.attribute({ recommendationId: a.id, itemId: 'x', key: 'e1' })).outcome, 'attributed')
    const again = { ...a, items: ['x', 'y'] }
    await log.record(again)
    await log.record(c)
    assert.deepEqual(await log.recent(10), [c, again, b])
    // the list recorded again has no event counted yet
    assert.deepEqual(await log.attribute({ recommendationId: a.id, itemId: 'y', key: 'e2' }), { outcome: 'attributed', impression: again, rank: 2, firstForList: true })
    // two more push b out, then the one recorded again
    await log.record(impression())
    assert.deepEqual((await log.recent(10)).map((i) => i.id).includes(b.id), false)
    await log.record(impression())
    assert.equal((await log.attribute({ recommendationId: a.id, itemId: 'x', key: 'e3' })).outcome, 'parked')
  })

  it('hands out copies: changing what it returned or what it was given changes nothing held', async () => {
    const log = new MemoryImpressionLog({ maxImpressions: 3, windowMs: 60_000 })
    const given = impression({ items: ['a', 'b'] })
    await log.record({ ...given, items: [...given.items] })
    const [read] = await log.recent(1)
    ;(read.items as string[]).push('z')
    assert.deepEqual((await log.recent(1))[0], given)
  })
})
