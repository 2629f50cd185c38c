import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { versionDir } from '../../src/models/artifact/index.js'
import { renderModelReport } from '../../src/report/model-report.js'
import { saveStudent } from '../serving/student-fixture.js'

describe('the model report and student families', () => {
  it('shows each student\'s family, an older manifest\'s as pooling', async (t) => {
    const modelsDir = await mkdtemp(join(tmpdir(), 'distillrec-report-family-'))
    t.after(async () => await rm(modelsDir, { recursive: true, force: true }))
    const older = await saveStudent(modelsDir)
    for (const file of ['model.json', 'manifest.json']) {
      const path = join(versionDir(modelsDir, 'student', older), file)
      const json = JSON.parse(await readFile(path, 'utf8'))
      delete (file === 'model.json' ? json.modelTopology : json.config).family
      await writeFile(path, JSON.stringify(json))
    }
    const lastItem = await saveStudent(modelsDir, { family: 'last-item' })
    const html = await renderModelReport(modelsDir)
    assert.match(html, /<th>version<\/th><th>family<\/th>/)
    assert.match(html, new RegExp(`<td>student</td><td>v${older}</td><td>pooling</td>`))
    assert.match(html, new RegExp(`<td>student</td><td>v${lastItem}</td><td>last-item</td>`))
  })
})
