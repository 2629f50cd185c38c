import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { renderModelReport } from '../../src/report/model-report.js'
import { buildModelsDir, EXPECTED_SERIES, HOSTILE, HOSTILE_TERM } from './models-fixture.js'

interface Chart { key: string, body: string }

function charts (html: string): Chart[] {
  return [...html.matchAll(/<svg class="curve-chart"[^>]*? data-version="(\d+)" data-role="(\w+)"[^>]*>([\s\S]*?)<\/svg>/g)]
    .map((m) => ({ key: `${m[2]}/${m[1]}`, body: m[3] }))
}

function row (html: string, role: string, version: number): string {
  const match = html.match(new RegExp(`<tr class="(\\w+)"><td>${role}</td><td>(?:<a [^>]*>)?v${version}(?:</a>)?</td>[\\s\\S]*?</tr>`))
  assert.ok(match, `a row for ${role} v${version}`)
  return match[0]
}

describe('renderModelReport', () => {
  let root: string
  let modelsDir: string
  let html: string

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'distillrec-report-'))
    modelsDir = join(root, 'models')
    await buildModelsDir(modelsDir)
    html = await renderModelReport(modelsDir, { active: 2, title: `report ${HOSTILE}`, now: () => new Date('2026-01-03T00:00:00Z') })
  })

  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('is one self-contained page: no script, no external resource, a CSP that forbids both', () => {
    assert.match(html, /^<!doctype html>/)
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|\ssrc="|\shref="(?!#)|@import|url\(/i)
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/)
  })

  it('draws one chart per version with curves, one series path per loss term plus the total and validation NDCG', () => {
    const drawn = charts(html)
    assert.deepEqual(drawn.map((c) => c.key).sort(), Object.keys(EXPECTED_SERIES).sort())
    for (const chart of drawn) {
      const paths = [...chart.body.matchAll(/<path class="series" data-series="[^"]*" d="([^"]*)"/g)].map((m) => m[1])
      assert.equal(paths.length, EXPECTED_SERIES[chart.key], `${chart.key} series`)
      for (const d of paths) assert.match(d, /^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+)+$/, `${chart.key} path ${d}`)
    }
    const student2 = drawn.find((c) => c.key === 'student/2')!
    assert.deepEqual([...student2.body.matchAll(/data-series="([^"]*)"/g)].map((m) => m[1]), ['loss (total)', 'task term', 'kd term', 'valid NDCG@10'])
    // six epochs drawn; the line cut short is counted, not drawn
    assert.equal([...student2.body.matchAll(/<circle /g)].length, 6 * 4)
    assert.match(html, /1 unreadable line of curves.jsonl skipped/)
  })

  it('escapes every string read from the files: the rejection reason, a loss term name and the title', () => {
    assert.ok(!html.includes(HOSTILE), 'no raw <script>')
    assert.ok(!html.includes(HOSTILE_TERM), 'no raw <img>')
    assert.ok(html.includes('validation NDCG@10 fell &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'))
    assert.ok(html.includes('data-series="&lt;img src=x onerror=alert(1)&gt; term"'))
    assert.ok(html.includes('<title>report &lt;script&gt;'))
  })

  it('lists every version with its state: active, ready, rejected with its reason, failed with what is wrong', () => {
    assert.match(row(html, 'teacher', 1), /badge ready[\s\S]*0\.3000[\s\S]*0\.5200[\s\S]*0\.3100[\s\S]*244,352/)
    assert.match(row(html, 'student', 1), /^<tr class="ready">/)
    const active = row(html, 'student', 2)
    assert.match(active, /^<tr class="active">[\s\S]*badge active/)
    // KB is weights.bytes / 1024: 4 x 8 float32 = 128 bytes
    assert.match(active, /<td>0\.1<\/td><td>6\.0<\/td><td>v1<\/td><\/tr>$/)
    assert.match(row(html, 'student', 3), /^<tr class="rejected">[\s\S]*badge rejected[\s\S]*class="reason">validation NDCG@10 fell &lt;script/)
    assert.match(row(html, 'student', 4), /^<tr class="failed">[\s\S]*class="reason">student v4 manifest\.json: /)
  })

  it('sets the newest teacher against the newest student that may serve, with ratios', () => {
    const section = html.slice(html.indexOf('id="teacher-student"'), html.indexOf('id="curves"'))
    assert.match(section, /<th>teacher v1<\/th><th>student v2<\/th>/)
    assert.match(section, /Student v2 keeps 92% of teacher v1's test NDCG@10\. It has 45× fewer parameters and needs 514× less time per request\./)
    assert.match(section, /<th scope="row">test NDCG@10<\/th><td>0\.3000<\/td><td>0\.2770<\/td><td>0\.92×<\/td>/)
    assert.match(section, /<th scope="row">parameters<\/th><td>244,352<\/td><td>5,408<\/td><td>1\/45<\/td>/)
    assert.match(section, /distilled from teacher v1\. Their top-10 lists share 67% of items/)
  })

  it('says so where a version has no curves', () => {
    assert.match(html, /<h3 id="curves-student-v1">student v1<\/h3><p class="note">No curves\.jsonl/)
  })

  it('marks no student active when none is given, and notes an active version missing from the directory', async () => {
    const plain = await renderModelReport(modelsDir)
    assert.doesNotMatch(plain, /badge active/)
    assert.match(row(plain, 'student', 2), /^<tr class="ready">/)
    assert.match(await renderModelReport(modelsDir, { active: 9 }), /The active student v9 is not in this directory/)
  })

  it('renders a page that says so for an empty or missing models directory', async () => {
    const empty = join(root, 'empty')
    await mkdir(join(empty, 'student'), { recursive: true })
    for (const dir of [empty, join(root, 'missing')]) {
      const page = await renderModelReport(dir)
      assert.match(page, /No model versions under <code>[^<]*<\/code> yet/)
      assert.equal(charts(page).length, 0)
      assert.match(page, /<\/html>\n$/)
    }
  })
})
