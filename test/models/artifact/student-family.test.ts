import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../../../src/tf/backend.js'
import { manifestFamily } from '../../../src/models/artifact/manifest.js'
import { loadStudent, saveModel } from '../../../src/models/artifact/model-io.js'
import { Student } from '../../../src/models/student.js'

const itemIds = ['a', 'b', 'c', 'd', 'e', 'f']
const histories = [Int32Array.of(0, 1, 2), Int32Array.of(5), Int32Array.of(3, 3, 4, 1, 0, 2, 5), new Int32Array(0)]

/** Rewrites the config in model.json and manifest.json alike (the loader checks they agree). */
async function editConfig (dir: string, edit: (config: Record<string, unknown>) => void): Promise<void> {
  for (const file of ['model.json', 'manifest.json']) {
    const json = JSON.parse(await readFile(join(dir, file), 'utf8'))
    edit(file === 'model.json' ? json.modelTopology : json.config)
    await writeFile(join(dir, file), JSON.stringify(json))
  }
}

describe('a student\'s family in its artifact', () => {
  let root: string
  before(async () => {
    await selectBackend()
    root = await mkdtemp(join(tmpdir(), 'distillrec-student-family-'))
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  for (const family of ['last-item', 'attention'] as const) {
    it(`saves and restores a ${family} student that scores exactly like the one saved`, async () => {
      const modelsDir = join(root, family)
      const student = new Student({ family, numItems: 6, dim: 4, window: 3, seed: 9, ...(family === 'attention' ? { heads: 2, ffnDim: 6 } : {}) })
      await saveModel(modelsDir, student, { itemIds, datasetFingerprint: 'fp' })
      const loaded = await loadStudent(modelsDir, 1)
      assert.equal(loaded.model.family, family)
      assert.equal(loaded.manifest.config.family, family)
      assert.equal(manifestFamily(loaded.manifest), family)
      assert.deepEqual(loaded.model.config, student.config)
      assert.deepEqual(loaded.model.scoreBatch(histories), student.scoreBatch(histories))
      loaded.model.dispose()
      student.dispose()
    })
  }

  it('reads a manifest written before families (no family) as a pooling student', async () => {
    const modelsDir = join(root, 'older')
    const student = new Student({ numItems: 6, dim: 4, window: 3, seed: 2 })
    const { dir } = await saveModel(modelsDir, student, { itemIds, datasetFingerprint: 'fp' })
    await editConfig(dir, (config) => { delete config.family })
    const loaded = await loadStudent(modelsDir)
    assert.equal(loaded.manifest.config.family, undefined)
    assert.equal(manifestFamily(loaded.manifest), 'pooling')
    assert.equal(loaded.model.family, 'pooling')
    assert.deepEqual(loaded.model.scoreBatch(histories), student.scoreBatch(histories))
    loaded.model.dispose()
    student.dispose()
  })

  it('refuses an unknown family, and a family its weights do not fit, creating no tensors', async () => {
    const student = new Student({ numItems: 6, dim: 4, window: 3 })
    const unknown = await saveModel(join(root, 'unknown'), student, { itemIds, datasetFingerprint: 'fp' })
    const swapped = await saveModel(join(root, 'swapped'), student, { itemIds, datasetFingerprint: 'fp' })
    const toAttention = await saveModel(join(root, 'to-attention'), student, { itemIds, datasetFingerprint: 'fp' })
    student.dispose()
    await editConfig(unknown.dir, (config) => { config.family = 'gru' })
    await editConfig(swapped.dir, (config) => { config.family = 'last-item' })
    await editConfig(toAttention.dir, (config) => { config.family = 'attention'; config.heads = 3 })
    const tensors = tf.memory().numTensors
    await assert.rejects(loadStudent(join(root, 'unknown')), { code: 'ARTIFACT_INVALID', message: /manifest\.json: config\.family is "gru", expected one of pooling, last-item, attention/ })
    await assert.rejects(loadStudent(join(root, 'swapped')), { code: 'ARTIFACT_INVALID', message: /weight denseKernel has shape \[4,4\], expected \[8,4\]/ })
    await assert.rejects(loadStudent(join(root, 'to-attention')), { code: 'ARTIFACT_INVALID', message: /dim 4 is not divisible by its 3 heads/ })
    await editConfig(toAttention.dir, (config) => { config.heads = 2 })
    await assert.rejects(loadStudent(join(root, 'to-attention')), { code: 'ARTIFACT_INVALID', message: /weight positions is missing/ })
    assert.equal(tf.memory().numTensors, tensors)
  })
})
