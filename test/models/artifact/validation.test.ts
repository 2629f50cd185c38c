import assert from 'node:assert/strict'
import { cp, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, beforeEach, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../../../src/tf/backend.js'
import { ArtifactError, disposeWeights, loadArtifact, saveArtifact } from '../../../src/models/artifact/index.js'

type Json = Record<string, any>

describe('loading a damaged artifact', () => {
  let root: string
  let modelsDir: string
  let dir: string
  let run = 0

  before(async () => {
    await selectBackend()
    root = await mkdtemp(join(tmpdir(), 'distillrec-artifact-bad-'))
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })
  beforeEach(async () => {
    modelsDir = join(root, String(++run))
    const weights = { emb: tf.randomNormal([4, 3]), bias: tf.zeros([4]) }
    dir = (await saveArtifact(modelsDir, {
      role: 'teacher',
      weights,
      config: { numItems: 3, dim: 3 },
      itemIds: ['x', 'y', 'z'],
      datasetFingerprint: 'feedfacefeedface'
    })).dir
    disposeWeights(weights)
  })

  async function editJson (file: string, edit: (json: Json) => void): Promise<void> {
    const json = JSON.parse(await readFile(join(dir, file), 'utf8'))
    edit(json)
    await writeFile(join(dir, file), JSON.stringify(json))
  }

  async function refused (pattern: RegExp, version?: number, expectedShapes?: Record<string, number[]>): Promise<void> {
    const tensors = tf.memory().numTensors
    await assert.rejects(loadArtifact(modelsDir, 'teacher', version, { expectedShapes }), (err: unknown) => {
      assert.ok(err instanceof ArtifactError, `expected an ArtifactError, got ${String(err)}`)
      assert.equal(err.code, 'ARTIFACT_INVALID')
      assert.match(err.message, pattern)
      return true
    })
    assert.equal(tf.memory().numTensors, tensors, 'a refused load creates no tensors')
  }

  it('refuses a truncated weights.bin, naming the file and both lengths', async () => {
    await truncate(join(dir, 'weights.bin'), 20)
    await refused(/teacher\/1\/weights\.bin: holds 20 bytes, manifest\.json says 64/)
  })

  it('refuses a weights.bin whose bytes changed but length did not', async () => {
    const bytes = await readFile(join(dir, 'weights.bin'))
    bytes[7] ^= 0xff
    await writeFile(join(dir, 'weights.bin'), bytes)
    await refused(/weights\.bin: sha256 does not match manifest\.json/)
  })

  it('refuses a manifest.json that is not JSON', async () => {
    await writeFile(join(dir, 'manifest.json'), '{"version": 1, "role": "tea')
    await refused(/manifest\.json: is not valid JSON/)
  })

  it('refuses a manifest.json with a missing or mistyped field', async () => {
    await editJson('manifest.json', (m) => { delete m.datasetFingerprint })
    await refused(/manifest\.json: datasetFingerprint is not a non-empty string/)
    await editJson('manifest.json', (m) => { m.datasetFingerprint = 'abc'; m.numItems = '3' })
    await refused(/manifest\.json: numItems is not a non-negative integer/)
  })

  it('reads a manifest without a teacher record as null, and refuses a malformed one', async () => {
    await editJson('manifest.json', (m) => { delete m.teacher })
    const loaded = await loadArtifact(modelsDir, 'teacher', 1)
    assert.equal(loaded.manifest.teacher, null)
    disposeWeights(loaded.weights)
    await editJson('manifest.json', (m) => { m.teacher = { kind: 'oracle', source: 'x', sha256: 'a'.repeat(64), weight: 1 } })
    await refused(/manifest\.json: teacher\.kind is "oracle"/)
    await editJson('manifest.json', (m) => { m.teacher = { kind: 'scores', source: 'x', sha256: 'nope', weight: 1 } })
    await refused(/manifest\.json: teacher\.sha256 is not 64 lowercase hex digits/)
    await editJson('manifest.json', (m) => { m.teacher = { kind: 'scores', source: 'x', sha256: 'a'.repeat(64), weight: 0 } })
    await refused(/manifest\.json: teacher\.weight is not a positive number/)
  })

  it('refuses a version whose manifest names another version or role', async () => {
    await cp(dir, join(modelsDir, 'teacher', '7'), { recursive: true })
    await refused(/teacher\/7\/manifest\.json: version is 1 but it was read as version 7/, 7)
    await editJson('manifest.json', (m) => { m.role = 'student' })
    await refused(/manifest\.json: role is student but it was read as a teacher/, 1)
  })

  it('refuses a weight whose shape differs from what the caller expects', async () => {
    await refused(/model\.json: weight emb has shape \[4,3\], expected \[4,8\]/, 1, { emb: [4, 8] })
    await refused(/model\.json: weight position is missing/, 1, { position: [4] })
  })

  it('refuses a weights manifest whose sizes do not add up to weights.bin', async () => {
    await editJson('model.json', (m) => { m.weightsManifest[0].weights[0].shape = [2, 3] })
    await refused(/model\.json: weights add up to \d+ bytes but weights\.bin holds 64/)
  })

  it('refuses a weights manifest with an unsupported dtype', async () => {
    await editJson('model.json', (m) => { m.weightsManifest[0].weights[0].dtype = 'string' })
    await refused(/model\.json: weights\[0\]: weight \w+ has unsupported dtype "string"/)
  })

  it('refuses a model.json whose topology differs from the manifest config', async () => {
    await editJson('model.json', (m) => { m.modelTopology.dim = 5 })
    await refused(/model\.json: modelTopology differs from manifest\.json config/)
  })

  it('refuses items.json when its item count differs from the manifest', async () => {
    await editJson('items.json', (m) => { m.items.pop() })
    await refused(/items\.json: holds 2 items, manifest\.json says 3/)
  })

  it('refuses a version with a missing file', async () => {
    await unlink(join(dir, 'items.json'))
    await refused(/teacher\/1\/items\.json: file is missing/)
  })

  it('reports a missing version as ARTIFACT_NOT_FOUND', async () => {
    await assert.rejects(loadArtifact(modelsDir, 'teacher', 2), { code: 'ARTIFACT_NOT_FOUND' })
    await assert.rejects(loadArtifact(modelsDir, 'student'), { code: 'ARTIFACT_NOT_FOUND', message: /no student versions/ })
  })

  it('still loads the untouched version when the checks pass', async () => {
    const loaded = await loadArtifact(modelsDir, 'teacher', undefined, { expectedShapes: { emb: [4, 3], bias: [4] } })
    assert.deepEqual(loaded.weights.bias.dataSync(), new Float32Array(4))
    disposeWeights(loaded.weights)
  })
})
