import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { pino } from 'pino'
import { ArtifactError, datasetFingerprint, loadArtifact, removeVersion, versionDir } from '../../src/models/artifact/index.js'
import { saveModel } from '../../src/models/artifact/model-io.js'
import { Student } from '../../src/models/student.js'
import { loadAnnouncedStudent, loadNewestStudent, type LoadStudentOptions } from '../../src/serving/model-loader.js'
import { MemoryModelStore } from '../../src/stores/memory-model-store.js'
import { dataset } from './student-fixture.js'

const log = pino({ level: 'silent' })
const itemIds = dataset.items.ids()

async function tempDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-ann-loader-'))
  t.after(async () => await rm(dir, { recursive: true, force: true }))
  return dir
}

/** A student saved with an ANN index (every catalogue here is above annMinItems 1). */
async function saveWithIndex (modelsDir: string, seed: number, annMinItems = 1): Promise<number> {
  const student = new Student({ numItems: itemIds.length, dim: 8, window: 5, seed })
  try {
    return (await saveModel(modelsDir, student, { itemIds, datasetFingerprint: datasetFingerprint(dataset.sequences), annMinItems })).version
  } finally {
    student.dispose()
  }
}

function options (modelsDir: string, extra: Partial<LoadStudentOptions> = {}): LoadStudentOptions {
  return { modelsDir, counts: new Map(), batch: { maxBatch: 8, maxWaitMs: 0 }, annMinItems: 1, log, ...extra }
}

describe('loading a student version with its ANN index', () => {
  it('saves ann.bin with its checksum in the manifest only from annMinItems items, and serves by ANN from ANN_MIN_ITEMS', async (t) => {
    const dir = await tempDir(t)
    const withIndex = await saveWithIndex(dir, 1)
    const without = await saveWithIndex(dir, 2, itemIds.length + 1)
    assert.ok(existsSync(join(versionDir(dir, 'student', withIndex), 'ann.bin')))
    assert.ok(!existsSync(join(versionDir(dir, 'student', without), 'ann.bin')))
    const loaded = await loadArtifact(dir, 'student', withIndex)
    assert.equal(loaded.manifest.ann?.params.dimensions, 8 + 1 + 1)
    assert.equal(loaded.ann?.bytes.byteLength, loaded.manifest.ann?.bytes)
    assert.equal((await loadArtifact(dir, 'student', without)).ann, null, 'a version without ann.bin has no index')

    const ann = await loadAnnouncedStudent(withIndex, options(dir))
    const exact = await loadAnnouncedStudent(withIndex, options(dir, { annMinItems: itemIds.length + 1 }))
    const noIndex = await loadAnnouncedStudent(without, options(dir))
    t.after(() => { ann.dispose(); exact.dispose(); noIndex.dispose() })
    assert.equal(ann.retrieval, 'ann')
    assert.equal(exact.retrieval, 'exact')
    assert.equal(noIndex.retrieval, 'exact', 'a version without an index is scored exactly')
    // 300 items: the candidates hold the exact top 10
    const vector = ann.ranker.encode(dataset.sequences[3])
    const [a, e] = [await ann.ranker.rank(vector, 10, undefined), await exact.ranker.rank(vector, 10, undefined)]
    assert.deepEqual(Array.from(a.items), Array.from(e.items))
  })

  it('refuses a version whose index fails validation, and the older one keeps serving', async (t) => {
    const dir = await tempDir(t)
    const good = await saveWithIndex(dir, 1)
    const bad = await saveWithIndex(dir, 2)
    const file = join(versionDir(dir, 'student', bad), 'ann.bin')
    const bytes = await readFile(file)
    bytes[bytes.length >> 1] ^= 0xff
    await writeFile(file, bytes)
    await assert.rejects(loadAnnouncedStudent(bad, options(dir)), (err: unknown) => err instanceof ArtifactError && /ann\.bin: sha256 does not match/.test(err.message))
    const served = await loadNewestStudent(options(dir))
    t.after(() => served?.dispose())
    assert.equal(served?.version, good)
    assert.equal(served?.retrieval, 'ann')

    await writeFile(file, bytes.subarray(0, 100))
    await assert.rejects(loadAnnouncedStudent(bad, options(dir)), /ann\.bin: holds 100 bytes/)
  })

  it('lets a replica with an empty models directory load a version and its index from the model store', async (t) => {
    const [saved, empty] = [await tempDir(t), await tempDir(t)]
    const store = new MemoryModelStore()
    const version = await saveWithIndex(saved, 1)
    const first = await loadNewestStudent(options(saved, { store }))
    first?.dispose()
    const blobs = await store.files('student', version)
    assert.ok((blobs?.['ann.bin']?.byteLength ?? 0) > 0, 'the index was published with the version')
    const replica = await loadNewestStudent(options(empty, { store }))
    t.after(() => replica?.dispose())
    assert.equal(replica?.version, version)
    assert.equal(replica?.retrieval, 'ann')
    assert.ok(!existsSync(join(empty, 'student')), 'nothing was written to the empty models directory')
  })

  it('loads a version published without ann.bin (an older or smaller one) from the store', async (t) => {
    const [saved, empty] = [await tempDir(t), await tempDir(t)]
    const store = new MemoryModelStore()
    const version = await saveWithIndex(saved, 1, itemIds.length + 1)
    const dir = versionDir(saved, 'student', version)
    const read = async (name: string): Promise<Buffer> => await readFile(join(dir, name))
    await store.publish('student', version, { 'manifest.json': await read('manifest.json'), 'model.json': await read('model.json'), 'items.json': await read('items.json'), 'weights.bin': await read('weights.bin') })
    const replica = await loadNewestStudent(options(empty, { store }))
    t.after(() => replica?.dispose())
    assert.equal(replica?.retrieval, 'exact')
  })

  it('removes the index with its version (retention)', async (t) => {
    const dir = await tempDir(t)
    const old = await saveWithIndex(dir, 1)
    await saveWithIndex(dir, 2)
    assert.equal(await removeVersion(dir, 'student', old), true)
    assert.ok(!existsSync(join(versionDir(dir, 'student', old), 'ann.bin')))
  })
})
