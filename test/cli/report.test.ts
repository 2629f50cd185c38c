import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CliUsageError } from '../../src/cli/args.js'
import { main } from '../../src/cli/report.js'
import { buildModelsDir } from '../report/models-fixture.js'

describe('npm run report', () => {
  let root: string
  let modelsDir: string

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'distillrec-report-cli-'))
    modelsDir = join(root, 'models')
    await buildModelsDir(modelsDir)
  })

  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('writes the page to --out and prints its path', async () => {
    const lines: string[] = []
    const out = join(root, 'site', 'report.html')
    assert.equal(await main(['--models-dir', modelsDir, '--out', out, '--active', '2', '--title', 'nightly'], (l) => lines.push(l)), out)
    assert.deepEqual(lines, [out])
    const html = await readFile(out, 'utf8')
    assert.match(html, /<title>nightly<\/title>/)
    assert.match(html, /badge active/)
  })

  it('writes report.html inside the models directory by default', async () => {
    const out = await main(['--models-dir', modelsDir], () => {})
    assert.equal(out, join(modelsDir, 'report.html'))
    assert.match(await readFile(out, 'utf8'), /<svg class="curve-chart"/)
  })

  it('prints help, and refuses a bad --active as a usage error', async () => {
    const lines: string[] = []
    assert.equal(await main(['--help'], (l) => lines.push(l)), null)
    assert.match(lines.join('\n'), /Usage: npm run report -- \[options\][\s\S]*--out <value>/)
    await assert.rejects(main(['--active', 'two'], () => {}), CliUsageError)
  })
})
