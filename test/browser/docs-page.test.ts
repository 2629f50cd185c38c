import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { startServer, type Started } from '../integration/server-process.js'
import { browserSkipReason, launch } from './browser.js'

describe('the /docs page in a real browser', { skip: browserSkipReason() }, () => {
  let server: Started
  let browser: Browser
  let dir: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillrec-docs-'))
    server = await startServer({ MODELS_DIR: join(dir, 'models'), EVENT_LOG_PATH: join(dir, 'events.jsonl'), ADMIN_TOKEN: 'docs-page-admin-token-0123' })
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
    server?.child.kill('SIGTERM')
    if (server !== undefined) await new Promise((resolve) => server.child.once('exit', resolve))
    await rm(dir, { recursive: true, force: true })
  })

  it('renders every operation, the admin ones with their lock, and a GET /recommend tried from the page returns 200', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    await page.goto(`http://127.0.0.1:${server.port}/docs`)
    await page.waitForSelector('.opblock', { timeout: 15_000 })
    const operations = await page.locator('.opblock-summary-path').allTextContents()
    for (const path of ['/recommend', '/recommend/batch', '/events', '/health/ready', '/admin/redistill', '/admin/models/{version}/activate']) {
      assert.ok(operations.some((text) => text.replace(/\u200b/g, '') === path), `${path} is on the page (${operations.join(', ')})`)
    }
    assert.ok(await page.locator('.opblock.opblock-post .authorization__btn').count() > 0, 'admin operations show their lock')
    // the README's picture of the page: refreshed on request only, so a test run leaves the tree as it was
    if (process.env.UPDATE_SCREENSHOTS === '1') await page.screenshot({ path: 'docs/docs-page.png' })

    const get = page.locator('.opblock.opblock-get').filter({ has: page.locator('.opblock-summary-path', { hasText: /^\/recommend$/ }) }).first()
    await get.locator('.opblock-summary').click()
    const tryOut = get.locator('button.try-out__btn')
    if (await tryOut.count() > 0 && (await tryOut.textContent())?.includes('Try it out') === true) await tryOut.click()
    await get.locator('tr[data-param-name="userId"] input').fill('u1')
    await get.locator('button.execute').click()
    const status = get.locator('.live-responses-table .response .response-col_status').first()
    await status.waitFor({ timeout: 15_000 })
    assert.equal((await status.textContent())?.trim(), '200')
    assert.match(await get.locator('.live-responses-table').first().textContent() ?? '', /"modelVersion"/)
    assert.deepEqual(errors, [])
    await page.close()
  })
})
