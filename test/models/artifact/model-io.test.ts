import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../../../src/tf/backend.js'
import { loadStudent, loadTeacher, saveModel } from '../../../src/models/artifact/model-io.js'
import { Student } from '../../../src/models/student.js'
import { Teacher } from '../../../src/models/teacher.js'

const itemIds = ['a', 'b', 'c', 'd', 'e', 'f']
const histories = [Int32Array.of(0, 1, 2), Int32Array.of(5), Int32Array.of(3, 3, 4, 1, 0, 2, 5)]

function assertSameScores (a: Float32Array[], b: Float32Array[]): void {
  assert.equal(a.length, b.length)
  a.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - b[i][j]) < 1e-5, `row ${i} item ${j}: ${v} vs ${b[i][j]}`)))
}

describe('saving and loading models as artifacts', () => {
  let root: string
  before(async () => {
    await selectBackend()
    root = await mkdtemp(join(tmpdir(), 'distillrec-model-artifact-'))
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('restores a teacher that scores exactly like the one saved', async () => {
    const modelsDir = join(root, 'teacher')
    const teacher = new Teacher({ numItems: 6, dim: 8, blocks: 1, heads: 2, ffnDim: 8, maxLen: 5, seed: 3 })
    const { version } = await saveModel(modelsDir, teacher, { itemIds, datasetFingerprint: 'fp', metrics: { ndcg10: 0.5 } })
    const tensors = tf.memory().numTensors
    const loaded = await loadTeacher(modelsDir)
    assert.equal(loaded.manifest.version, version)
    assert.equal(loaded.manifest.role, 'teacher')
    assert.deepEqual(loaded.model.config, teacher.config)
    assert.deepEqual(loaded.itemIds, itemIds)
    assertSameScores(loaded.model.scoreBatch(histories), teacher.scoreBatch(histories))
    loaded.model.dispose()
    assert.equal(tf.memory().numTensors, tensors)
    teacher.dispose()
  })

  it('restores a student with its teacher version', async () => {
    const modelsDir = join(root, 'student')
    const student = new Student({ numItems: 6, dim: 4, window: 3, seed: 9 })
    await saveModel(modelsDir, student, { itemIds, datasetFingerprint: 'fp', teacherVersion: 4 })
    const loaded = await loadStudent(modelsDir, 1)
    assert.equal(loaded.manifest.teacherVersion, 4)
    assertSameScores(loaded.model.scoreBatch(histories), student.scoreBatch(histories))
    loaded.model.dispose()
    student.dispose()
  })

  it('refuses a saved config whose weights do not fit the model, creating no tensors', async () => {
    const modelsDir = join(root, 'mismatch')
    const student = new Student({ numItems: 6, dim: 4, window: 3 })
    const { dir } = await saveModel(modelsDir, student, { itemIds, datasetFingerprint: 'fp' })
    student.dispose()
    for (const file of ['model.json', 'manifest.json']) {
      const json = JSON.parse(await readFile(join(dir, file), 'utf8'))
      const config = file === 'model.json' ? json.modelTopology : json.config
      config.window = 5
      await writeFile(join(dir, file), JSON.stringify(json))
    }
    const tensors = tf.memory().numTensors
    await assert.rejects(loadStudent(modelsDir), { code: 'ARTIFACT_INVALID', message: /model\.json: does not fit the student model: weight positionWeights has shape \[3\], expected \[5\]/ })
    assert.equal(tf.memory().numTensors, tensors)
  })

  it('refuses to save a model with the wrong number of item ids', async () => {
    const student = new Student({ numItems: 6, dim: 4, window: 3 })
    await assert.rejects(saveModel(join(root, 'ids'), student, { itemIds: ['a'], datasetFingerprint: 'fp' }), RangeError)
    student.dispose()
  })
})
