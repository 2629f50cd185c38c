import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../../../src/tf/backend.js'
import { disposeWeights, listVersions, loadArtifact, removeStaleTemps, removeVersion, saveArtifact, type SaveArtifactOptions } from '../../../src/models/artifact/index.js'

function randomWeights (): Record<string, tf.Tensor> {
  return {
    'student/item_embedding': tf.randomNormal([6, 4]),
    'student/bias': tf.randomUniform([6]),
    'student/positions': tf.tensor1d([3, 1, 4, 1], 'int32')
  }
}

function options (weights: Record<string, tf.Tensor>, extra: Partial<SaveArtifactOptions> = {}): SaveArtifactOptions {
  return {
    role: 'student',
    weights,
    config: { kind: 'student', numItems: 5, dim: 4, maxLen: 4 },
    itemIds: ['a', 'b', 'c', 'd', 'e'],
    datasetFingerprint: '0123456789abcdef',
    metrics: { ndcg10: 0.25 },
    teacherVersion: 3,
    ...extra
  }
}

async function saveRandom (modelsDir: string, extra: Partial<SaveArtifactOptions> = {}): Promise<{ version: number, dir: string }> {
  const weights = randomWeights()
  try {
    return await saveArtifact(modelsDir, options(weights, extra))
  } finally {
    disposeWeights(weights)
  }
}

describe('model artifacts', () => {
  let root: string
  before(async () => {
    await selectBackend()
    root = await mkdtemp(join(tmpdir(), 'distillrec-artifact-'))
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('loads back exactly the weights, ids, config and manifest fields it saved', async () => {
    const modelsDir = join(root, 'round-trip')
    const weights = randomWeights()
    const saved = await saveArtifact(modelsDir, options(weights, {
      userIds: ['u1', 'u2'],
      now: () => new Date('2026-01-02T03:04:05.000Z')
    }))
    assert.equal(saved.version, 1)
    assert.equal(saved.dir, join(modelsDir, 'student', '1'))
    assert.equal((await stat(saved.dir)).mode & 0o777, 0o755)

    const loaded = await loadArtifact(modelsDir, 'student', 1)
    assert.deepEqual(Object.keys(loaded.weights).sort(), Object.keys(weights).sort())
    for (const [name, tensor] of Object.entries(weights)) {
      assert.equal(loaded.weights[name].dtype, tensor.dtype)
      assert.deepEqual(loaded.weights[name].shape, tensor.shape)
      assert.deepEqual(loaded.weights[name].dataSync(), tensor.dataSync())
    }
    assert.deepEqual(loaded.config, { kind: 'student', numItems: 5, dim: 4, maxLen: 4 })
    assert.deepEqual(loaded.itemIds, ['a', 'b', 'c', 'd', 'e'])
    assert.deepEqual(loaded.userIds, ['u1', 'u2'])
    assert.equal(loaded.manifest.version, 1)
    assert.equal(loaded.manifest.role, 'student')
    assert.equal(loaded.manifest.created, '2026-01-02T03:04:05.000Z')
    assert.equal(loaded.manifest.teacherVersion, 3)
    assert.equal(loaded.manifest.backend, tf.getBackend())
    assert.deepEqual(loaded.manifest.metrics, { ndcg10: 0.25 })
    assert.equal(loaded.manifest.weights.bytes, (6 * 4 + 6 + 4) * 4)
    disposeWeights(weights)
    disposeWeights(loaded.weights)
  })

  it('writes model.json in the TF.js weights-manifest format with the config as modelTopology', async () => {
    const modelsDir = join(root, 'format')
    const { dir } = await saveRandom(modelsDir)
    const model = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'))
    assert.deepEqual(model.modelTopology, { kind: 'student', numItems: 5, dim: 4, maxLen: 4 })
    assert.deepEqual(model.weightsManifest[0].paths, ['weights.bin'])
    assert.deepEqual(model.weightsManifest[0].weights.find((w: { name: string }) => w.name === 'student/item_embedding'),
      { name: 'student/item_embedding', shape: [6, 4], dtype: 'float32' })
  })

  it('numbers versions max + 1 and loads the latest when no version is given', async () => {
    const modelsDir = join(root, 'increasing')
    assert.deepEqual(listVersions(modelsDir, 'student'), [])
    for (const expected of [1, 2, 3]) assert.equal((await saveRandom(modelsDir)).version, expected)
    await mkdir(join(modelsDir, 'student', '10'))
    await writeFile(join(modelsDir, 'student', '10', 'manifest.json'), '{}')
    assert.equal((await saveRandom(modelsDir)).version, 11)
    const latest = await loadArtifact(modelsDir, 'student')
    assert.equal(latest.manifest.version, 11)
    disposeWeights(latest.weights)
    assert.deepEqual(listVersions(modelsDir, 'teacher'), [])
  })

  it('never reuses a version number, even after the newest version is deleted', async () => {
    const modelsDir = join(root, 'no-reuse')
    await saveRandom(modelsDir)
    const { version, dir } = await saveRandom(modelsDir)
    await rm(dir, { recursive: true })
    assert.deepEqual(listVersions(modelsDir, 'student'), [1])
    assert.equal((await saveRandom(modelsDir)).version, version + 1)
  })

  it('gives concurrent saves distinct versions, each complete', async () => {
    const modelsDir = join(root, 'concurrent')
    await saveRandom(modelsDir)
    const saved = await Promise.all(Array.from({ length: 8 }, (_, i) => saveRandom(modelsDir, { metrics: { writer: i } })))
    const versions = saved.map((s) => s.version).sort((a, b) => a - b)
    assert.deepEqual(versions, [2, 3, 4, 5, 6, 7, 8, 9])
    assert.deepEqual(listVersions(modelsDir, 'student'), [1, ...versions])
    const writers = new Set<number>()
    for (const { version } of saved) {
      const loaded = await loadArtifact(modelsDir, 'student', version)
      writers.add(loaded.manifest.metrics.writer)
      disposeWeights(loaded.weights)
    }
    assert.equal(writers.size, 8)
  })

  it('lists only published versions, ignoring temp directories, files and other names', async () => {
    const modelsDir = join(root, 'junk')
    await saveRandom(modelsDir)
    await saveRandom(modelsDir, { role: 'teacher' })
    const studentDir = join(modelsDir, 'student')
    for (const name of ['.tmp-abc123', '007', 'latest', '-3', '2.5']) await mkdir(join(studentDir, name))
    await writeFile(join(studentDir, '5'), 'a file, not a version')
    assert.deepEqual(listVersions(modelsDir, 'student'), [1])
    assert.deepEqual(listVersions(modelsDir, 'teacher'), [1])
    assert.equal((await saveRandom(modelsDir)).version, 2)
  })

  it('leaves the tensor count unchanged across save, load and dispose', async () => {
    const modelsDir = join(root, 'tensors')
    const weights = randomWeights()
    const before = tf.memory().numTensors
    await saveArtifact(modelsDir, options(weights))
    assert.equal(tf.memory().numTensors, before)
    const loaded = await loadArtifact(modelsDir, 'student')
    assert.equal(tf.memory().numTensors, before + 3)
    disposeWeights(loaded.weights)
    assert.equal(tf.memory().numTensors, before)
    assert.equal(weights['student/bias'].isDisposed, false, 'save leaves the caller owning its tensors')
    disposeWeights(weights)
  })

  it('refuses a config that JSON cannot carry and leaves no version behind', async () => {
    const modelsDir = join(root, 'bad-input')
    await assert.rejects(saveRandom(modelsDir, { metrics: { loss: Number.NaN } }), /metrics.loss must be a finite number/)
    await assert.rejects(saveRandom(modelsDir, { config: [1, 2] }), /config must be a JSON object/)
    assert.deepEqual(listVersions(modelsDir, 'student'), [])
  })

  it('removes temp directories left by crashed saves once they are old, and nothing else', async () => {
    const modelsDir = join(root, 'stale')
    await saveRandom(modelsDir)
    const studentDir = join(modelsDir, 'student')
    await mkdir(join(studentDir, '.tmp-crashed'))
    await writeFile(join(studentDir, '.tmp-crashed', 'weights.bin'), 'partial')
    await mkdir(join(studentDir, '.tmp-running'))
    const hourAgo = new Date(Date.now() - 2 * 3_600_000)
    await utimes(join(studentDir, '.tmp-crashed'), hourAgo, hourAgo)
    assert.deepEqual(await removeStaleTemps(modelsDir, 'student'), ['.tmp-crashed'])
    assert.deepEqual((await readdir(studentDir)).filter((n) => !n.startsWith('.high-water')).sort(), ['.tmp-running', '1'])
    assert.deepEqual(await removeStaleTemps(modelsDir, 'teacher'), [])
  })
  it('removes an old version whole, refuses the newest, and never reuses a removed number', async () => {
    const modelsDir = join(root, 'remove')
    for (let i = 0; i < 3; i++) await saveRandom(modelsDir)
    assert.equal(await removeVersion(modelsDir, 'student', 1), true)
    assert.equal(await removeVersion(modelsDir, 'student', 1), false)
    assert.deepEqual(listVersions(modelsDir, 'student'), [2, 3])
    await assert.rejects(removeVersion(modelsDir, 'student', 3), /newest/)
    assert.deepEqual((await readdir(join(modelsDir, 'student'))).filter((n) => !n.startsWith('.high-water')).sort(), ['2', '3'])
    assert.equal(await removeVersion(modelsDir, 'teacher', 1), false)
    assert.equal((await saveRandom(modelsDir)).version, 4)
  })
})
