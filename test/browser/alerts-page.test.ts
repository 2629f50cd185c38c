import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { startServer, type Started } from '../integration/server-process.js'
import { skipPrometheus, startPrometheus, type Prometheus } from '../deploy/prometheus-process.js'
import { browserSkipReason, launch } from './browser.js'

const ALERTS = fileURLToPath(new URL('../../deploy/alerts.yml', import.meta.url))

/**
 * The alert rules as an operator sees them: a real Prometheus scraping the service with
 * deploy/alerts.yml loaded, its alerts page in headless Chromium (and, with UPDATE_SCREENSHOTS=1,
 * the README's picture of it). Page script errors are not checked: Debian's classic UI throws one of
 * its own ("Unexpected token 'export'") that does not stop the rules rendering.
 */
describe('the alert rules on Prometheus\'s own alerts page', { skip: browserSkipReason() || skipPrometheus }, () => {
  let dir: string
  let server: Started | undefined
  let prometheus: Prometheus | undefined
  let browser: Browser | undefined

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillrec-alerts-page-'))
    server = await startServer({ EVENT_LOG_PATH: join(dir, 'events.jsonl'), MODELS_DIR: join(dir, 'models') })
    const target = { job: 'distillrec-api', port: server.port }
    prometheus = await startPrometheus([target], [ALERTS])
    await prometheus.scraped([target])
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
    await prometheus?.stop()
    server?.child.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })

  it('lists every alert rule of deploy/alerts.yml with the count of rules in each state', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } })
    // every alert the file defines: as Prometheus loaded it, and as many as the file has
    const rules = await (await fetch(`${prometheus!.url}/api/v1/rules?type=alert`)).json() as { data: { groups: Array<{ rules: Array<{ name: string }> }> } }
    const names = rules.data.groups.flatMap((g) => g.rules.map((r) => r.name))
    assert.equal(names.length, (readFileSync(ALERTS, 'utf8').match(/^\s*- alert: /gm) ?? []).length)
    // rules show once Prometheus has evaluated them; reload until every one is listed
    const deadline = Date.now() + 20_000
    let text = ''
    for (;;) {
      // Debian's Prometheus ships the classic UI only
      await page.goto(`${prometheus!.url}/classic/alerts`)
      await page.waitForLoadState('networkidle')
      text = await page.locator('body').innerText()
      if (names.every((name) => text.includes(name)) || Date.now() > deadline) break
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    assert.deepEqual(names.filter((name) => !text.includes(name)), [], text.slice(0, 2000))
    const counts = ['Inactive', 'Pending', 'Firing'].map((state) => Number(new RegExp(`${state} \\((\\d+)\\)`).exec(text)?.[1] ?? NaN))
    assert.equal(counts.reduce((a, b) => a + b, 0), names.length, `state counts ${counts.join(', ')}`)
    if (process.env.UPDATE_SCREENSHOTS === '1') await page.screenshot({ path: 'docs/alerts.png' })
  })
})
