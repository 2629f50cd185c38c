import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser } from 'playwright-core'
import { curveSeries } from '../../src/report/curve-chart.js'
import { renderModelReport } from '../../src/report/model-report.js'
import { readModels } from '../../src/report/read-models.js'
import { buildModelsDir } from '../report/models-fixture.js'
import { browserSkipReason, launch } from './browser.js'

/**
 * REPORT_MODELS_DIR renders a real models directory instead of the fixture (with
 * UPDATE_SCREENSHOTS=1, for the README's picture of trained runs).
 */
const realDir = process.env.REPORT_MODELS_DIR

interface SvgPath {
  getAttribute (name: string): string | null
  getTotalLength (): number
  getBBox (): { width: number, height: number }
}

describe('the model report in a real browser', { skip: browserSkipReason() }, () => {
  let browser: Browser
  let root: string
  let modelsDir: string

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'distillrec-report-page-'))
    modelsDir = realDir ?? join(root, 'models')
    if (realDir === undefined) await buildModelsDir(modelsDir)
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
    await rm(root, { recursive: true, force: true })
  })

  it('draws every chart: each series a path with a length, inside a chart with an area', async () => {
    const records = await readModels(modelsDir)
    const expected = Object.fromEntries(records.filter((r) => r.curves !== null && r.curves.points.length > 0).map((r) => {
      const { loss, quality } = curveSeries(r.curves!.points)
      return [`${r.role}/${r.version}`, loss.length + quality.length]
    }))
    assert.ok(Object.keys(expected).length > 0, 'the models directory has curves to draw')
    const file = join(root, 'report.html')
    await writeFile(file, await renderModelReport(modelsDir, { active: records.find((r) => r.role === 'student' && r.state === 'ready')?.version ?? null }))

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const problems: string[] = []
    page.on('pageerror', (err) => problems.push(err.message))
    // a CSP violation or a failed load shows up as a console error
    page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()) })
    await page.goto(pathToFileURL(file).href)

    const charts = await page.locator('svg.curve-chart').evaluateAll((svgs) => svgs.map((svg) => {
      const box = svg.getBoundingClientRect()
      // the page's DOM types, which this project's tsconfig (no "dom" lib) does not load
      const styleOf = (globalThis as unknown as { getComputedStyle: (e: unknown) => { stroke: string, fill: string } }).getComputedStyle
      const paths = ([...svg.querySelectorAll('path.series')] as unknown as SvgPath[]).map((p) => {
        const b = p.getBBox()
        return { d: p.getAttribute('d') ?? '', length: p.getTotalLength(), extent: b.width + b.height, stroke: styleOf(p).stroke, fill: styleOf(p).fill }
      })
      return { key: `${svg.dataset.role}/${svg.dataset.version}`, width: box.width, height: box.height, paths }
    }))
    assert.deepEqual(Object.fromEntries(charts.map((c) => [c.key, c.paths.length])), expected)
    for (const chart of charts) {
      assert.ok(chart.width > 300 && chart.height > 200, `${chart.key} chart is ${chart.width}x${chart.height}`)
      for (const p of chart.paths) {
        assert.notEqual(p.d, '', `${chart.key} path has a d`)
        assert.ok(p.length > 0 && p.extent > 0, `${chart.key} path ${p.d} has a length and an extent`)
        assert.notEqual(p.stroke, 'none')
        assert.equal(p.fill, 'none')
      }
    }
    assert.deepEqual(problems, [])

    // the README's picture: refreshed on request only, so a test run leaves the tree as it was
    const shot = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/report.png' : join(root, 'report.png')
    await page.screenshot({ path: shot, fullPage: true })
    if (process.env.UPDATE_SCREENSHOTS === '1') console.log(`screenshot: ${shot}`)
    await page.close()
  })
})
