import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { datasetFingerprint, versionDir } from '../../src/models/artifact/index.js'
import { saveModel } from '../../src/models/artifact/model-io.js'
import { Student } from '../../src/models/student.js'
import { loadAnnouncedStudent, type LoadStudentOptions } from '../../src/serving/model-loader.js'
import { manifestFamily, parseManifest } from '../../src/models/artifact/manifest.js'
import { topK } from '../../src/models/top-k.js'
import type { Recommendation } from '../../src/serving/recommendation.js'
import { build } from '../helper.js'
import { dataset, loadStudent, saveStudent } from './student-fixture.js'

const userIndex = 3
const user = dataset.users.id(userIndex)
const history = dataset.sequences[userIndex]

for (const family of ['last-item', 'attention'] as const) {
  describe(`a saved ${family} student`, () => {
    it('records its family, loads, validates and serves the ranking and explanations of its model', async (t) => {
      const dir = await mkdtemp(join(tmpdir(), `distillrec-${family}-`))
      t.after(async () => await rm(dir, { recursive: true, force: true }))
      const modelsDir = join(dir, 'models')
      const version = await saveStudent(modelsDir, { family })
      const file = join(versionDir(modelsDir, 'student', version), 'manifest.json')
      const manifest = parseManifest(JSON.parse(await readFile(file, 'utf8')), file)
      assert.equal(manifest.config.family, family)
      assert.equal(manifestFamily(manifest), family)
      if (family === 'attention') assert.deepEqual([manifest.config.heads, manifest.config.ffnDim, manifest.config.dim, manifest.config.window], [1, 8, 8, 5])

      const { model } = await loadStudent(modelsDir, version)
      const [scores] = model.scoreBatch([history])
      const encoder = model.encoder()
      model.dispose()
      assert.equal(encoder.config.family, family)
      const seen = new Uint8Array(scores.length)
      for (const i of history) seen[i] = 1
      const expected = topK(scores, 10, seen)

      const { app } = await build(t, {}, dir)
      const res = await app.inject({ url: `/recommend?userId=${user}&k=10&include=because` })
      assert.equal(res.statusCode, 200)
      const body = res.json<Recommendation>()
      assert.equal(body.source, 'student')
      assert.equal(body.modelVersion, version)
      assert.deepEqual(body.items.map((i) => i.itemId), expected.map((e) => dataset.items.id(e.index)))
      body.items.forEach((item, r) => assert.ok(Math.abs(item.score - expected[r].score) < 1e-5, `${item.score} vs ${expected[r].score}`))
      const explained = encoder.explain(history, Int32Array.from(expected, (e) => e.index))
      body.items.forEach((item, r) => {
        assert.equal(item.because?.kind, 'history')
        if (item.because?.kind !== 'history') return
        assert.equal(item.because.itemId, dataset.items.id(explained[r].item))
        assert.ok(Math.abs(item.because.contribution - explained[r].contribution) < 1e-4)
      })
    })

    it('serves through approximate retrieval like any student: the same item matrix layout, the exact top 10', async (t) => {
      const modelsDir = await mkdtemp(join(tmpdir(), `distillrec-${family}-ann-`))
      t.after(async () => await rm(modelsDir, { recursive: true, force: true }))
      const itemIds = dataset.items.ids()
      const student = new Student({ family, numItems: itemIds.length, dim: 8, window: 5, seed: 4 })
      const { version } = await saveModel(modelsDir, student, { itemIds, datasetFingerprint: datasetFingerprint(dataset.sequences), annMinItems: 1 })
      student.dispose()
      const options = (annMinItems: number): LoadStudentOptions => ({ modelsDir, counts: new Map(), batch: { maxBatch: 8, maxWaitMs: 0 }, annMinItems, log: pino({ level: 'silent' }) })
      const ann = await loadAnnouncedStudent(version, options(1))
      const exact = await loadAnnouncedStudent(version, options(itemIds.length + 1))
      t.after(() => { ann.dispose(); exact.dispose() })
      assert.deepEqual([ann.retrieval, exact.retrieval], ['ann', 'exact'])
      const vector = ann.ranker.encode(history)
      assert.deepEqual(Array.from((await ann.ranker.rank(vector, 10, undefined)).items), Array.from((await exact.ranker.rank(vector, 10, undefined)).items))
    })
  })
}
