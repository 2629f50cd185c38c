import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { integerTicks, lineChart, niceTicks } from '../../src/report/svg-chart.js'

function paths (svg: string): string[] {
  return [...svg.matchAll(/<path class="series" data-series="[^"]*" d="([^"]*)"/g)].map((m) => m[1])
}

describe('niceTicks', () => {
  it('covers the range with steps of 1, 2 or 5 times a power of ten', () => {
    assert.deepEqual(niceTicks(4.59, 6.15), { min: 4.5, max: 6.5, step: 0.5, ticks: [4.5, 5, 5.5, 6, 6.5] })
    assert.deepEqual(niceTicks(0.155, 0.31).ticks, [0.15, 0.2, 0.25, 0.3, 0.35])
    assert.deepEqual(niceTicks(-3, 7).ticks, [-4, -2, 0, 2, 4, 6, 8])
  })

  it('widens a flat or non-finite range instead of dividing by zero', () => {
    const flat = niceTicks(0.25, 0.25)
    assert.ok(flat.min < 0.25 && flat.max > 0.25)
    assert.deepEqual(niceTicks(0, 0).ticks.at(0), -1)
    assert.deepEqual(niceTicks(Infinity, -Infinity).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1])
  })
})

describe('integerTicks', () => {
  it('labels whole epochs, at most about ten', () => {
    assert.deepEqual(integerTicks(1, 6).ticks, [1, 2, 3, 4, 5, 6])
    assert.deepEqual(integerTicks(1, 40).ticks, [1, 5, 9, 13, 17, 21, 25, 29, 33, 37])
    assert.deepEqual(integerTicks(3, 3), { min: 2, max: 4, ticks: [3] })
  })
})

describe('lineChart', () => {
  it('draws one path per series inside the plot, panels stacked, attributes escaped', () => {
    const svg = lineChart({
      label: 'a "chart"',
      xLabel: 'epoch',
      attributes: { 'data-version': '2', 'data-role': 'student"><b>' },
      panels: [
        { title: 'loss', series: [{ name: 'total', points: [[1, 6], [2, 5], [3, 4.5]] }, { name: 'kd', points: [[1, 0.4], [2, 0.3], [3, 0.2]] }] },
        { title: 'valid', series: [{ name: 'ndcg', points: [[1, 0.1], [2, 0.2], [3, 0.25]] }] }
      ]
    })
    assert.match(svg, /^<svg class="curve-chart" [^>]*aria-label="a &quot;chart&quot;" data-version="2" data-role="student&quot;&gt;&lt;b&gt;">/)
    const ds = paths(svg)
    assert.equal(ds.length, 3)
    const coords = ds.flatMap((d) => [...d.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]))
    const [, , width, height] = svg.match(/viewBox="([^"]+)"/)![1].split(' ').map(Number)
    for (const [x, y] of coords) assert.ok(x > 0 && x < width && y > 0 && y < height, `${x},${y} inside ${width}x${height}`)
    // the loss falls, so its path goes down the page (larger y) from left to right
    const total = [...ds[0].matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => Number(m[2]))
    assert.ok(total[0] < total[2])
  })

  it('draws a one-epoch series as a short tick so it is still visible', () => {
    const svg = lineChart({ label: 'one', xLabel: 'epoch', panels: [{ title: 'loss', series: [{ name: 'total', points: [[1, 5]] }] }] })
    assert.match(paths(svg)[0], /^M[\d.]+ [\d.]+H[\d.]+$/)
  })
})
