import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { pino } from 'pino'
import { PackedCounts } from '../../src/data/packed-counts.js'
import { PackedIds } from '../../src/data/packed-ids.js'
import { removeIndexFile } from '../../src/models/ann/index-file.js'
import { ArtifactError, datasetFingerprint, directoryFiles, versionDir } from '../../src/models/artifact/index.js'
import { loadStudent, saveModel } from '../../src/models/artifact/model-io.js'
import { Student } from '../../src/models/student.js'
import { loadStudentParts } from '../../src/serving/load-student-parts.js'
import { SHARE_MIN_BYTES } from '../../src/threads/shared-copy.js'
import { loadAnnouncedStudent, loadStudentVersion } from '../../src/serving/model-loader.js'
import { MemoryModelStore } from '../../src/stores/memory-model-store.js'
import { publishFiles, storeFiles } from '../../src/versions/version-files.js'
import { dataset } from './student-fixture.js'

const log = pino({ level: 'silent' })
const itemIds = dataset.items.ids()
const counts = new Map(itemIds.map((id, i) => [id, (i * 7919) % 13]))

async function tempDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-load-parts-'))
  t.after(async () => await rm(dir, { recursive: true, force: true }))
  return dir
}

async function save (modelsDir: string, seed = 1): Promise<number> {
  const student = new Student({ numItems: itemIds.length, dim: 8, window: 5, seed })
  try {
    return (await saveModel(modelsDir, student, { itemIds, datasetFingerprint: datasetFingerprint(dataset.sequences), annMinItems: 1 })).version
  } finally {
    student.dispose()
  }
}

const batch = { maxBatch: 8, maxWaitMs: 0 }
// threadMinItems 1: every version here is prepared in the loading thread; Infinity: on the loop
const THREAD = 1
const LOOP = Infinity

describe('loading a student version off the event loop', () => {
  it('gives the same servable from the loading thread as on the loop, and as the TF.js student ranks', async (t) => {
    const dir = await tempDir(t)
    const version = await save(dir)
    const files = directoryFiles(versionDir(dir, 'student', version))
    for (const annMinItems of [1, Infinity]) {
      const threaded = await loadStudentVersion(files, version, { counts, batch, annMinItems, threadMinItems: THREAD, log })
      const onLoop = await loadStudentVersion(files, version, { counts, batch, annMinItems, threadMinItems: LOOP, log })
      t.after(() => { threaded.dispose(); onLoop.dispose() })
      assert.equal(threaded.retrieval, annMinItems === 1 ? 'ann' : 'exact')
      assert.equal(onLoop.retrieval, threaded.retrieval)
      assert.deepEqual(threaded.items.ids(), itemIds)
      assert.equal(threaded.items.index(itemIds[17]), 17)
      assert.deepEqual(threaded.popular(20, undefined), onLoop.popular(20, undefined))
      const { model } = await loadStudent(dir, version)
      t.after(() => model.dispose())
      for (const history of dataset.sequences.slice(0, 5)) {
        const vector = threaded.ranker.encode(history)
        assert.deepEqual(vector, onLoop.ranker.encode(history))
        assert.deepEqual(vector, model.userVectors([history])[0], 'the encoder reads the saved weights')
        const [a, b] = [await threaded.ranker.rank(vector, 10, undefined), await onLoop.ranker.rank(vector, 10, undefined)]
        assert.deepEqual(Array.from(a.items), Array.from(b.items))
        assert.deepEqual(Array.from(a.scores), Array.from(b.scores))
      }
    }
  })

  it('ranks the popular items by their counts, ties by index', async (t) => {
    const dir = await tempDir(t)
    const version = await save(dir)
    const { items, popular } = await loadStudentParts(directoryFiles(versionDir(dir, 'student', version)), version, { counts, annMinItems: 1, precision: 'float32', threadMinItems: THREAD })
    const expected = itemIds.map((id, i) => ({ i, c: counts.get(id)! })).sort((a, b) => b.c - a.c || a.i - b.i).map((x) => x.i)
    assert.deepEqual(Array.from(popular.order.items), expected)
    assert.equal(items.size, itemIds.length)
  })

  it('looks packed counts up in the loading thread, over another order of the ids and ids the version lacks, as a Map of them is looked up on the loop', async (t) => {
    const dir = await tempDir(t)
    const version = await save(dir)
    const files = directoryFiles(versionDir(dir, 'student', version))
    // the counts' own order, one id the version lacks, and one version item without a count
    const known = [...itemIds.slice(1)].reverse().concat('not-in-the-version')
    const values = Float64Array.from(known, (_, i) => (i * 31) % 7)
    const packed = new PackedCounts(PackedIds.fromIds(known), values)
    const asMap = new Map(known.map((id, i) => [id, values[i]]))
    const threaded = await loadStudentParts(files, version, { counts: packed, annMinItems: 1, precision: 'float32', threadMinItems: THREAD })
    const onLoop = await loadStudentParts(files, version, { counts: asMap, annMinItems: 1, precision: 'float32', threadMinItems: LOOP })
    const expected = itemIds.map((id, i) => ({ i, c: asMap.get(id) ?? 0 })).sort((a, b) => b.c - a.c || a.i - b.i).map((x) => x.i)
    assert.deepEqual(Array.from(threaded.popular.order.items), expected)
    assert.deepEqual(Array.from(threaded.popular.shares), Array.from(onLoop.popular.shares))
    assert.deepEqual(threaded.items.ids(), itemIds)
    assert.equal(threaded.translation?.from, packed.ids)
    assert.deepEqual(Array.from(threaded.translation.table ?? []), known.map((id) => itemIds.indexOf(id)), 'where each counted item is in the version')
    const same = await loadStudentParts(files, version, { counts: new PackedCounts(PackedIds.fromIds(itemIds), new Float64Array(itemIds.length)), annMinItems: Infinity, precision: 'float32', threadMinItems: THREAD })
    assert.equal(same.translation?.table, null, 'no table where the version numbers the counted items the same')
    // as many counted items as the version has, the first at its own index, the second not in the version
    const missing = [itemIds[0], 'not-in-the-version', ...itemIds.slice(2)]
    const partly = await loadStudentParts(files, version, { counts: new PackedCounts(PackedIds.fromIds(missing), new Float64Array(missing.length)), annMinItems: Infinity, precision: 'float32', threadMinItems: THREAD })
    assert.deepEqual(Array.from(partly.translation?.table ?? []), missing.map((id) => itemIds.indexOf(id)), 'a table where a counted item is not in the version')
    assert.equal(onLoop.translation, undefined)
    assert.equal(packed.get(itemIds[3]), values[known.indexOf(itemIds[3])], 'the counts are still the caller\'s (copied to the thread, not transferred)')
    for (const { parts } of [threaded, onLoop]) {
      if (parts.annFile !== undefined) await removeIndexFile(parts.annFile.file)
    }
  })

  it('hands every large array of a large version over in shared memory, not as transferred buffers', async (t) => {
    const dir = await tempDir(t)
    // 4,000 items of dim 8: item tables of 128 KB, above SHARE_MIN_BYTES
    const ids = Array.from({ length: 4000 }, (_, i) => `big-${i}`)
    const student = new Student({ numItems: ids.length, dim: 8, window: 5, seed: 3 })
    const { version } = await saveModel(dir, student, { itemIds: ids, datasetFingerprint: datasetFingerprint(dataset.sequences), annMinItems: 1 })
    student.dispose()
    const bigCounts = new PackedCounts(PackedIds.fromIds(ids), new Float64Array(ids.length).fill(1))
    const loaded = await loadStudentParts(directoryFiles(versionDir(dir, 'student', version)), version, { counts: bigCounts, annMinItems: 1, precision: 'float32', threadMinItems: THREAD })
    if (loaded.parts.annFile !== undefined) t.after(async () => await removeIndexFile(loaded.parts.annFile!.file))
    const large: string[] = []
    const walk = (value: unknown, path: string): void => {
      if (ArrayBuffer.isView(value)) {
        if (value.byteLength < SHARE_MIN_BYTES) return
        large.push(path)
        assert.ok(value.buffer instanceof SharedArrayBuffer, `${path} (${value.byteLength} bytes) is in shared memory`)
      } else if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`)
      }
    }
    walk({ parts: loaded.parts, popular: loaded.popular, table: loaded.translation?.table }, 'loaded')
    assert.ok(large.includes('loaded.parts.matrix.values') && large.includes('loaded.parts.weights.items'), `large arrays found: ${large.join(', ')}`)
    assert.equal(loaded.items.index('big-3999'), 3999)
  })

  it('loads from a model store through the thread and leaves the store\'s bytes as they were', async (t) => {
    const dir = await tempDir(t)
    const version = await save(dir)
    const store = new MemoryModelStore()
    await publishFiles(store, directoryFiles(versionDir(dir, 'student', version)), version)
    const before = await store.files('student', version)
    const sizes = Object.fromEntries(Object.entries(before!).map(([name, data]) => [name, data.byteLength]))
    const servable = await loadStudentVersion(await storeFiles(store, version), version, { counts, batch, annMinItems: 1, threadMinItems: THREAD, log })
    t.after(() => servable.dispose())
    assert.equal(servable.retrieval, 'ann')
    const after = await store.files('student', version)
    assert.deepEqual(Object.fromEntries(Object.entries(after!).map(([name, data]) => [name, data.byteLength])), sizes, 'nothing was transferred away from the store')
  })

  for (const [where, threadMinItems] of [['in the loading thread', THREAD], ['on the loop', LOOP]] as const) {
    it(`refuses a damaged version ${where}, naming the file and the fault, and leaves no index file behind`, async (t) => {
      const dir = await tempDir(t)
      const version = await save(dir)
      const vdir = versionDir(dir, 'student', version)
      const options = { counts, batch, annMinItems: 1, threadMinItems, log }
      const load = async (): Promise<unknown> => await loadStudentVersion(directoryFiles(vdir), version, options)
      const refused = (pattern: RegExp) => (err: unknown) => err instanceof ArtifactError && err.code === 'ARTIFACT_INVALID' && pattern.test(err.message)
      // index files go to os.tmpdir(), which reads TMPDIR (a thread reads the copy it started with)
      const privateTmp = await tempDir(t)
      const tmpBefore = process.env.TMPDIR
      process.env.TMPDIR = privateTmp
      t.after(() => { if (tmpBefore === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = tmpBefore })
      const indexFiles = async (): Promise<number> => (await readdir(privateTmp)).filter((name) => name.startsWith('distillrec-ann-')).length

      const weights = await readFile(join(vdir, 'weights.bin'))
      const flipped = Buffer.from(weights)
      flipped[100] ^= 0xff
      await writeFile(join(vdir, 'weights.bin'), flipped)
      await assert.rejects(load(), refused(/weights\.bin: sha256 does not match/))
      await writeFile(join(vdir, 'weights.bin'), weights)

      const ann = await readFile(join(vdir, 'ann.bin'))
      await writeFile(join(vdir, 'ann.bin'), ann.subarray(0, 64))
      await assert.rejects(load(), refused(/ann\.bin: holds 64 bytes/))
      await writeFile(join(vdir, 'ann.bin'), ann)

      const items = await readFile(join(vdir, 'items.json'), 'utf8')
      const ids = JSON.parse(items) as { items: string[] }
      await writeFile(join(vdir, 'items.json'), JSON.stringify({ ...ids, items: [...ids.items.slice(0, -1), ids.items[0]] }))
      await assert.rejects(load(), refused(/items\.json: items holds duplicate ids/))
      await writeFile(join(vdir, 'items.json'), items)

      assert.equal(await indexFiles(), 0, 'a refused version leaves no index file')
      const servable = await load() as { dispose: () => void }
      assert.equal(await indexFiles(), 1, 'the served index is memory-mapped from a private file')
      servable.dispose()
      for (let i = 0; i < 100 && await indexFiles() > 0; i++) await sleep(10)
      assert.equal(await indexFiles(), 0, 'the file goes with the version')
    })
  }

  it('refuses weights that do not fit the saved config, or that are not finite, as restoring the Student would', async (t) => {
    const dir = await tempDir(t)
    const student = new Student({ numItems: itemIds.length, dim: 8, window: 5, seed: 3, itemBias: false })
    const bias = tf.fill([itemIds.length], Number.NaN)
    try {
      // a weight set whose itemBias holds NaN, saved under a config that has the bias
      const withBias = new Student({ numItems: itemIds.length, dim: 8, window: 5, seed: 3 })
      withBias.loadWeights({ ...student.weights(), itemBias: bias })
      await saveModel(dir, withBias, { itemIds, datasetFingerprint: 'x' })
      withBias.dispose()
    } finally {
      student.dispose()
      bias.dispose()
    }
    for (const threadMinItems of [THREAD, LOOP]) {
      await assert.rejects(loadAnnouncedStudent(1, { modelsDir: dir, counts, batch, threadMinItems, log }),
        (err: unknown) => err instanceof ArtifactError && /model\.json: does not fit the student model: weight itemBias holds a value that is not finite/.test(err.message))
    }
    // model.json and the manifest claim a window of 6; weights.bin holds 5 position weights
    const vdir = versionDir(dir, 'student', 1)
    for (const name of ['model.json', 'manifest.json']) {
      const text = await readFile(join(vdir, name), 'utf8')
      await writeFile(join(vdir, name), text.replace(/("window": ?)5\b/, '$16'))
    }
    for (const threadMinItems of [THREAD, LOOP]) {
      await assert.rejects(loadAnnouncedStudent(1, { modelsDir: dir, counts, batch, threadMinItems, log }),
        /model\.json: does not fit the student model: weight positionWeights has shape \[5\], expected \[6\]/)
    }
    assert.ok(existsSync(vdir))
  })
})
