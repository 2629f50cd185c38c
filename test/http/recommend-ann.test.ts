import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { datasetFingerprint } from '../../src/models/artifact/index.js'
import { saveModel } from '../../src/models/artifact/model-io.js'
import { Student } from '../../src/models/student.js'
import { build } from '../helper.js'
import { dataset } from '../serving/student-fixture.js'

interface Body { source: string, items: Array<{ itemId: string }> }

const user = dataset.users.id(3)
const seen = new Set([...dataset.sequences[3]].map((i) => dataset.items.id(i)))

/** The app serving a student saved with an ANN index, with ANN_MIN_ITEMS low enough to use it. */
async function buildAnn (t: TestContext, env: Record<string, string> = {}): Promise<Awaited<ReturnType<typeof build>>> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-ann-app-'))
  t.after(async () => await rm(dir, { recursive: true, force: true }))
  const student = new Student({ numItems: dataset.items.size, dim: 8, window: 5, seed: 11 })
  try {
    await saveModel(join(dir, 'models'), student, { itemIds: dataset.items.ids(), datasetFingerprint: datasetFingerprint(dataset.sequences), annMinItems: 1 })
  } finally {
    student.dispose()
  }
  return await build(t, { ANN_MIN_ITEMS: '1', ITEM_MATRIX_PRECISION: 'int8', CACHE_TTL_MS: '0', ...env }, dir)
}

describe('/recommend served by ANN retrieval', () => {
  it('never returns seen or excluded items, and returns k of them', async (t) => {
    const { app } = await buildAnn(t)
    const exclude = ['i2', 'i5', 'i8']
    const body = (await app.inject({ method: 'POST', url: '/recommend', payload: { userId: user, k: 100, exclude } })).json<Body>()
    assert.equal(body.source, 'student')
    assert.equal(body.items.length, 100)
    for (const { itemId } of body.items) {
      assert.ok(!seen.has(itemId), `${itemId} was seen`)
      assert.ok(!exclude.includes(itemId), `${itemId} was excluded`)
    }
  })

  it('returns only items of the asked genre, k of them when enough match', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'distillrec-ann-items-'))
    t.after(async () => await rm(dir, { recursive: true, force: true }))
    const ids = dataset.items.ids()
    // a selective genre (every 25th item) and a broad one
    await writeFile(join(dir, 'items.jsonl'), ids.map((itemId, i) => JSON.stringify({ itemId, genres: i % 25 === 0 ? ['Rare'] : ['Common'] })).join('\n') + '\n')
    const rare = new Set(ids.filter((_, i) => i % 25 === 0))
    const { app } = await buildAnn(t, { ITEMS_PATH: join(dir, 'items.jsonl') })
    const unseenRare = [...rare].filter((id) => !seen.has(id)).length
    const selective = (await app.inject({ url: `/recommend?userId=${user}&k=50&genres=Rare` })).json<Body>()
    assert.equal(selective.items.length, Math.min(50, unseenRare))
    assert.ok(selective.items.every((i) => rare.has(i.itemId) && !seen.has(i.itemId)))
    const broad = (await app.inject({ url: `/recommend?userId=${user}&k=30&genres=Common` })).json<Body>()
    assert.equal(broad.items.length, 30)
    assert.ok(broad.items.every((i) => !rare.has(i.itemId) && !seen.has(i.itemId)))
  })
})
