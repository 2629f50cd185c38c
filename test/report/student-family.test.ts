import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { versionDir, datasetFingerprint } from '../../src/models/artifact/index.js'
import { renderModelReport } from '../../src/report/model-report.js'
import { dataset, saveStudent } from '../serving/student-fixture.js'
import { saveModel } from '../../src/models/artifact/model-io.js'
import { Student } from '../../src/models/student.js'
import type { StudentSelection } from '../../src/models/student-selection.js'

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

  it('shows how --student auto chose a student\'s family: every candidate, its figures, why, and the reason', async (t) => {
    const modelsDir = await mkdtemp(join(tmpdir(), 'distillrec-report-selection-'))
    t.after(async () => await rm(modelsDir, { recursive: true, force: true }))
    const plain = await saveStudent(modelsDir)
    const student = new Student({ family: 'last-item', numItems: dataset.items.size, dim: 8, window: 5, seed: 1 })
    const selection: StudentSelection = {
      chosen: 'last-item',
      reason: 'last-item: validation NDCG@10 0.1200, the best of 2 eligible families',
      latencyBudgetMs: 50,
      maxParams: 5000,
      candidates: [
        { family: 'pooling', ndcg: 0.1, costMs: 0.0025, params: 1000, eligible: true, why: '0.003 ms within the 50 ms budget; 1000 parameters within the cap of 5000' },
        { family: 'last-item', ndcg: 0.12, costMs: 0.0035, params: 1064, eligible: true, why: '0.004 ms within the 50 ms budget; 1064 parameters within the cap of 5000' }
      ]
    }
    const { version } = await saveModel(modelsDir, student, { itemIds: dataset.items.ids(), datasetFingerprint: datasetFingerprint(dataset.sequences), selection })
    student.dispose()
    const html = await renderModelReport(modelsDir)
    assert.match(html, new RegExp(`<td>student</td><td>v${version}</td><td>last-item <a href="#selection-v${version}">\\(auto\\)</a></td>`))
    assert.match(html, new RegExp(`<td>student</td><td>v${plain}</td><td>pooling</td>`), 'a student not chosen by auto has no link')
    assert.match(html, new RegExp(`<h2 id="selection">Student families chosen</h2><h3 id="selection-v${version}">student v${version}: last-item</h3>`))
    assert.match(html, /last-item: validation NDCG@10 0\.1200, the best of 2 eligible families \(budget 50\.000 ms per request, at most 5,000 parameters\)/)
    assert.match(html, /<tr class="chosen"><td><strong>last-item<\/strong><\/td><td><strong>0\.1200<\/strong><\/td><td><strong>3\.5<\/strong><\/td>/)
    assert.match(html, /<tr><td>pooling<\/td><td>0\.1000<\/td><td>2\.5<\/td><td>1,000<\/td><td>yes<\/td>/)
  })
})
