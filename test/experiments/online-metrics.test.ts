import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createMetrics } from '../../src/metrics/metrics.js'
import { OnlineMetrics } from '../../src/experiments/online-metrics.js'
import { onlineFigures } from '../../src/experiments/online-figures.js'
import { ARMS, type Impression } from '../../src/stores/impression-log.js'

const shown = (version: number, arm: Impression['arm'] = 'serving'): Impression =>
  ({ id: 'r', userId: 'u', version, arm, experimentId: null, items: ['a', 'b', 'c'], ts: 0 })

async function labelSets (metrics: ReturnType<typeof createMetrics>): Promise<string[]> {
  const names = ['distillrec_online_impressions_total', 'distillrec_online_lists_with_event_total', 'distillrec_online_attributed_rank', 'distillrec_online_catalogue_coverage']
  const sets = new Set<string>()
  for (const name of names) {
    for (const value of (await metrics.registry.getSingleMetric(name)?.get())?.values ?? []) sets.add(`${value.labels.version}:${value.labels.arm}`)
  }
  return [...sets].sort()
}

describe('online metrics', () => {
  it('keeps the label sets bounded: only live versions are counted, and a version that goes takes its series with it', async () => {
    const metrics = createMetrics()
    let live = [1]
    const online = new OnlineMetrics({ metrics, catalogueSize: () => 10, live: () => live })
    for (let version = 1; version <= 50; version++) {
      live = [version, version + 1]
      online.shown(shown(version, 'control'))
      online.shown(shown(version + 1, 'candidate'))
      online.shown(shown(version - 1)) // a request that still held the old version
      online.attributed({ outcome: 'attributed', impression: shown(version, 'control'), rank: 2, firstForList: true })
      // at most the live versions times the arms, however many versions came before
      assert.ok(online.series <= 2 * ARMS.length, `${online.series} series at v${version}`)
      assert.ok((await labelSets(metrics)).every((set) => live.includes(Number(set.split(':')[0]))))
    }
    assert.deepEqual(await labelSets(metrics), ['50:candidate', '50:control', '51:candidate'])
  })

  it('counts impressions, lists with an event, ranks and coverage per version and arm', async () => {
    const metrics = createMetrics()
    const online = new OnlineMetrics({ metrics, catalogueSize: () => 6, live: () => [3] })
    online.shown(shown(3))
    online.shown({ ...shown(3), items: ['c', 'd'] })
    online.attributed({ outcome: 'attributed', impression: shown(3), rank: 1, firstForList: true })
    online.attributed({ outcome: 'attributed', impression: shown(3), rank: 3, firstForList: false })
    online.attributed({ outcome: 'duplicate' })
    const value = async (name: string, suffix?: string): Promise<number | undefined> =>
      (await metrics.registry.getSingleMetric(name)?.get())?.values.find((v) => (suffix === undefined || (v as { metricName?: string }).metricName === suffix) && (v.labels.le === undefined || v.labels.le === 1))?.value
    assert.equal(await value('distillrec_online_impressions_total'), 2)
    assert.equal(await value('distillrec_online_lists_with_event_total'), 1)
    assert.equal(await value('distillrec_online_attributed_rank', 'distillrec_online_attributed_rank_count'), 2)
    assert.equal(await value('distillrec_online_attributed_rank', 'distillrec_online_attributed_rank_bucket'), 1)
    assert.equal(await value('distillrec_online_catalogue_coverage'), 4 / 6)
  })

  it('counts a shared frozen list on every impression and its items once, coverage still exact', async () => {
    const metrics = createMetrics()
    const online = new OnlineMetrics({ metrics, catalogueSize: () => 4, live: () => [3] })
    const list = Object.freeze(['a', 'b'])
    for (let n = 0; n < 3; n++) online.shown({ ...shown(3), items: list })
    const value = async (name: string): Promise<number | undefined> => (await metrics.registry.getSingleMetric(name)?.get())?.values[0]?.value
    assert.equal(await value('distillrec_online_impressions_total'), 3)
    assert.equal(await value('distillrec_online_catalogue_coverage'), 2 / 4)
    online.shown({ ...shown(3), items: Object.freeze(['b', 'c', 'd']) })
    online.shown({ ...shown(3), items: list })
    assert.equal(await value('distillrec_online_impressions_total'), 5)
    assert.equal(await value('distillrec_online_catalogue_coverage'), 1)
  })

  it('computes the figures by their formulas', () => {
    const figures = onlineFigures(4, 'candidate', { impressions: 10, listsWithEvent: 3, eventsByRank: [2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5], itemsShown: 25 }, 100)
    assert.equal(figures.hitRate, 0.3)
    assert.equal(figures.ctrAt1, 0.2)
    assert.equal(figures.ctrAt5, 3 / 10 / 5)
    assert.equal(figures.ctrAt10, 3 / 10 / 10)
    assert.ok(Math.abs(figures.dcg - (2 / 1 + 1 / 2 + 5 / Math.log2(12)) / 10) < 1e-12)
    assert.equal(figures.coverage, 0.25)
    assert.equal(onlineFigures(4, 'serving', { impressions: 0, listsWithEvent: 0, eventsByRank: [], itemsShown: 0 }, undefined).hitRate, 0)
  })
})

describe('the model report\'s online section', () => {
  it('shows each live version and arm, escaped, and says when there is nothing yet', async () => {
    const { onlineSection } = await import('../../src/report/online-section.js')
    const html = onlineSection([{ version: 3, arm: '<b>serving</b>', impressions: 1234, hitRate: 0.25, ctrAt10: 0.03, dcg: 0.1, coverage: null }])
    assert.match(html, /<h2 id="online">Online<\/h2>/)
    assert.match(html, /<td>v3<\/td><td>&lt;b&gt;serving&lt;\/b&gt;<\/td><td>1,234<\/td><td>0\.2500<\/td><td>0\.0300<\/td><td>0\.1000<\/td><td>—<\/td>/)
    assert.match(onlineSection([]), /No impressions recorded yet/)
  })
})
