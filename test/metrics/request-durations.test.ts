import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Histogram, Registry } from 'prom-client'
import { RequestDurations } from '../../src/metrics/request-durations.js'

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const OBSERVED: Array<[string, string, number, number]> = [
  ['/recommend', 'GET', 200, 0.0003], ['/recommend', 'GET', 200, 0.0005], ['/recommend', 'GET', 200, 0.004],
  ['/recommend', 'POST', 200, 0.02], ['/recommend', 'GET', 400, 0], ['unmatched', 'unknown', 408, 0],
  ['/events', 'POST', 202, 3.5], ['/recommend', 'GET', 200, 0.1]
]

function both (): { ours: RequestDurations, reference: Histogram<'route' | 'method' | 'status_code'>, registries: [Registry, Registry] } {
  const registries: [Registry, Registry] = [new Registry(), new Registry()]
  const ours = new RequestDurations({ name: 'd_seconds', help: 'd', buckets: BUCKETS, registers: [registries[0]] })
  const reference = new Histogram({ name: 'd_seconds', help: 'd', labelNames: ['route', 'method', 'status_code'], buckets: BUCKETS, registers: [registries[1]] })
  for (const [route, method, status, seconds] of OBSERVED) {
    ours.observe(route, method, status, seconds)
    reference.observe({ route, method, status_code: status }, seconds)
  }
  return { ours, reference, registries }
}

/** Series come in the order they were first observed in both; compared as sorted lines and sorted values. */
const lines = async (registry: Registry): Promise<string[]> => (await registry.metrics()).split('\n').sort()
const key = (v: { labels: object, metricName?: string }): string => JSON.stringify([v.metricName, Object.entries(v.labels).sort()])

describe('RequestDurations', () => {
  it('writes the same exposition text as a prom-client Histogram given the same observations', async () => {
    const { registries } = both()
    assert.deepEqual(await lines(registries[0]), await lines(registries[1]))
  })

  it('reads back through get() as the Histogram does, labels included (a status code stays a number)', async () => {
    const { ours, reference } = both()
    const mine = (await ours.get()).values.map((v) => ({ ...v })).sort((a, b) => key(a).localeCompare(key(b)))
    const theirs = (await reference.get()).values.map(({ labels, value, metricName }) => ({ labels, value, metricName })).sort((a, b) => key(a).localeCompare(key(b)))
    assert.deepEqual(mine, theirs)
    assert.ok(mine.some((v) => v.labels.status_code === 408))
  })

  it('forgets every series on reset and refuses a value that is not a finite number', async () => {
    const { ours, registries } = both()
    assert.throws(() => ours.observe('/x', 'GET', 200, Number.NaN), TypeError)
    registries[0].resetMetrics()
    assert.deepEqual((await ours.get()).values, [])
  })
})
