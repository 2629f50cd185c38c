import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { versionDir } from '../../src/models/artifact/index.js'
import { manifestFamily, parseManifest } from '../../src/models/artifact/manifest.js'
import { topK } from '../../src/models/top-k.js'
import type { Recommendation } from '../../src/serving/recommendation.js'
import { build } from '../helper.js'
import { dataset, loadStudent, saveStudent } from './student-fixture.js'

const userIndex = 3
const user = dataset.users.id(userIndex)
const history = dataset.sequences[userIndex]

describe('a saved last-item student', () => {
  it('records its family, loads, validates and serves the ranking and explanations of its model', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'distillrec-last-item-'))
    t.after(async () => await rm(dir, { recursive: true, force: true }))
    const modelsDir = join(dir, 'models')
    const version = await saveStudent(modelsDir, { family: 'last-item' })
    const file = join(versionDir(modelsDir, 'student', version), 'manifest.json')
    const manifest = parseManifest(JSON.parse(await readFile(file, 'utf8')), file)
    assert.equal(manifest.config.family, 'last-item')
    assert.equal(manifestFamily(manifest), 'last-item')

    const { model } = await loadStudent(modelsDir, version)
    const [scores] = model.scoreBatch([history])
    const encoder = model.encoder()
    model.dispose()
    assert.equal(encoder.config.family, 'last-item')
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
})
