import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../../src/tf/backend.js'
import { fileSystemHandler } from '../../src/models/layers-fs-handler.js'
import { loadLayersTeacher } from '../../src/models/layers-teacher.js'

const NUM_ITEMS = 7
const MAX_LEN = 4

/** An embedding over ids 0..NUM_ITEMS (0 = padding), mean-pooled, then a dense layer scoring every item. */
function tinyModel (outputs = NUM_ITEMS): tf.Sequential {
  const model = tf.sequential()
  model.add(tf.layers.embedding({ inputDim: NUM_ITEMS + 1, outputDim: 5, inputLength: MAX_LEN }))
  model.add(tf.layers.globalAveragePooling1d())
  model.add(tf.layers.dense({ units: outputs }))
  return model
}

function predictRows (model: tf.LayersModel, rows: number[][]): number[][] {
  return tf.tidy(() => (model.predict(tf.tensor2d(rows, [rows.length, MAX_LEN], 'int32')) as tf.Tensor2D).arraySync())
}

function assertClose (actual: Float32Array, expected: number[]): void {
  assert.equal(actual.length, expected.length)
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `score ${i}: ${v} vs ${expected[i]}`))
}

describe('loadLayersTeacher', () => {
  let root: string
  let dir: string
  let original: tf.Sequential

  before(async () => {
    await selectBackend()
    root = await mkdtemp(join(tmpdir(), 'distillrec-layers-'))
    dir = join(root, 'teacher')
    original = tinyModel()
    await original.save(fileSystemHandler(dir))
  })
  after(async () => {
    original.dispose()
    await rm(root, { recursive: true, force: true })
  })

  it('scores like the saved model, feeding item i as i + 1 left-padded with 0', async () => {
    const teacher = await loadLayersTeacher(dir, { numItems: NUM_ITEMS, maxLen: MAX_LEN })
    const expected = predictRows(original, [[0, 0, 3, 1], [1, 2, 3, 7], [0, 0, 0, 0]])
    const scores = teacher.scoreBatch([Int32Array.of(2, 0), Int32Array.of(5, 0, 1, 2, 6), Int32Array.of()])
    assert.equal(scores.length, 3)
    scores.forEach((row, i) => assertClose(row, expected[i]))
    teacher.dispose()
  })

  it('feeds raw indices with indexOffset 0 and splits large calls into batches', async () => {
    const teacher = await loadLayersTeacher(dir, { numItems: NUM_ITEMS, maxLen: MAX_LEN, indexOffset: 0, batchSize: 2 })
    const histories = [Int32Array.of(1), Int32Array.of(2, 3), Int32Array.of(4, 5, 6), Int32Array.of(6, 6, 6, 6, 6)]
    const expected = predictRows(original, [[0, 0, 0, 1], [0, 0, 2, 3], [0, 4, 5, 6], [6, 6, 6, 6]])
    teacher.scoreBatch(histories).forEach((row, i) => assertClose(row, expected[i]))
    teacher.dispose()
  })

  it('reads items in the model\'s own numbering through an item map; an unmapped item is fed as padding and scores last', async () => {
    // dense item i is the model's token 7 - i and column 6 - i; item 3 is not in the model
    const tokens = Int32Array.from({ length: NUM_ITEMS }, (_, i) => i === 3 ? -1 : NUM_ITEMS - i)
    const columns = Int32Array.from({ length: NUM_ITEMS }, (_, i) => i === 3 ? -1 : NUM_ITEMS - 1 - i)
    const teacher = await loadLayersTeacher(dir, { numItems: NUM_ITEMS, maxLen: MAX_LEN, itemMap: { tokens, columns } })
    const [expected] = predictRows(original, [[0, 7, 0, 5]])
    const [row] = teacher.scoreBatch([Int32Array.of(0, 3, 2)])
    assertClose(row, Array.from(columns, (c) => c < 0 ? -1e9 : expected[c]))
    teacher.dispose()
    const narrow = { tokens, columns: Int32Array.from(columns, (c) => c < 0 ? -1 : c + 1) }
    await assert.rejects(loadLayersTeacher(dir, { numItems: NUM_ITEMS, maxLen: MAX_LEN, itemMap: narrow }), { message: /expected \[null,8 or more\] \(the item map's highest column is 7\)/ })
  })

  it('drops leading output columns with outputOffset', async () => {
    const wideDir = join(root, 'wide')
    const wide = tinyModel(NUM_ITEMS + 1)
    await wide.save(fileSystemHandler(wideDir))
    const teacher = await loadLayersTeacher(wideDir, { numItems: NUM_ITEMS, maxLen: MAX_LEN, outputOffset: 1 })
    const [expected] = predictRows(wide, [[0, 0, 2, 3]])
    assertClose(teacher.scoreBatch([Int32Array.of(1, 2)])[0], expected.slice(1))
    teacher.dispose()
    wide.dispose()
  })

  it('concatenates weight shards in manifest order, as tensorflowjs_converter writes them', async () => {
    const shardedDir = join(root, 'sharded')
    await original.save(fileSystemHandler(shardedDir))
    const bytes = await readFile(join(shardedDir, 'weights.bin'))
    const cut = Math.floor(bytes.length / 3)
    await writeFile(join(shardedDir, 'group1-shard1of2.bin'), bytes.subarray(0, cut))
    await writeFile(join(shardedDir, 'group1-shard2of2.bin'), bytes.subarray(cut))
    await unlink(join(shardedDir, 'weights.bin'))
    const json = JSON.parse(await readFile(join(shardedDir, 'model.json'), 'utf8'))
    json.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin']
    await writeFile(join(shardedDir, 'model.json'), JSON.stringify(json))

    const teacher = await loadLayersTeacher(shardedDir, { numItems: NUM_ITEMS, maxLen: MAX_LEN })
    const [expected] = predictRows(original, [[0, 5, 6, 7]])
    assertClose(teacher.scoreBatch([Int32Array.of(4, 5, 6)])[0], expected)
    teacher.dispose()
  })

  it('refuses a model whose output width is not numItems + outputOffset, naming model.json', async () => {
    const tensors = tf.memory().numTensors
    await assert.rejects(loadLayersTeacher(dir, { numItems: NUM_ITEMS + 2, maxLen: MAX_LEN }), {
      code: 'ARTIFACT_INVALID',
      message: /teacher\/model\.json: model output shape is \[null,7\], expected \[null,9\]/
    })
    await assert.rejects(loadLayersTeacher(dir, { numItems: NUM_ITEMS, maxLen: MAX_LEN + 1 }), { message: /input shape is \[null,4\], expected \[null,5\]/ })
    assert.equal(tf.memory().numTensors, tensors)
  })

  it('refuses a directory without model.json or with a missing shard', async () => {
    await assert.rejects(loadLayersTeacher(join(root, 'nowhere'), { numItems: NUM_ITEMS, maxLen: MAX_LEN }), {
      code: 'ARTIFACT_INVALID',
      message: /nowhere\/model\.json: file is missing/
    })
    const brokenDir = join(root, 'broken')
    await original.save(fileSystemHandler(brokenDir))
    await unlink(join(brokenDir, 'weights.bin'))
    await assert.rejects(loadLayersTeacher(brokenDir, { numItems: NUM_ITEMS, maxLen: MAX_LEN }), { message: /broken\/weights\.bin: file is missing/ })
  })

  it('refuses items outside the catalogue and keeps the tensor count stable across calls', async () => {
    const teacher = await loadLayersTeacher(dir, { numItems: NUM_ITEMS, maxLen: MAX_LEN })
    assert.throws(() => teacher.scoreBatch([Int32Array.of(NUM_ITEMS)]), RangeError)
    const tensors = tf.memory().numTensors
    teacher.scoreBatch([Int32Array.of(1, 2)])
    teacher.scoreBatch([Int32Array.of(3)])
    assert.equal(tf.memory().numTensors, tensors)
    teacher.dispose()
  })
})
