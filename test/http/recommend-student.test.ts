import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { RecommendationResponse } from '../../src/http/schemas.js'
import { directoryFiles, versionDir } from '../../src/models/artifact/index.js'
import { topK } from '../../src/models/top-k.js'
import { loadStudentVersion } from '../../src/serving/model-loader.js'
import { historyHash, keyFromHash } from '../../src/serving/ranked-cache.js'
import { build, buildWithStudent } from '../helper.js'
import { dataset, loadStudent, saveStudent } from '../serving/student-fixture.js'

interface Item { itemId: string, score: number, rank: number, title?: string, genres?: string[] }
interface Body { userId: string | null, modelVersion: number, source: string, items: Item[], ignoredItems: number, recommendationId: string }

/** What `npm run eval` ranks for a history: Student.scoreBatch, seen items masked, topK. */
async function evalRanking (modelsDir: string, version: number, history: Int32Array, k: number): Promise<Array<{ index: number, score: number }>> {
  const { model } = await loadStudent(modelsDir, version)
  try {
    const [scores] = model.scoreBatch([history])
    const seen = new Uint8Array(scores.length)
    for (const i of history) seen[i] = 1
    return topK(scores, k, seen)
  } finally {
    model.dispose()
  }
}

const user = dataset.users.id(3)
const userHistory = dataset.sequences[3]

describe('/recommend from a student', () => {
  it('serves a known user from the newest student: the ranking npm run eval computes, same scores, same order', async (t) => {
    const { app, version, dir } = await buildWithStudent(t)
    const res = await app.inject({ url: `/recommend?userId=${user}&k=20` })
    assert.equal(res.statusCode, 200)
    const body = res.json<Body>()
    assert.equal(body.source, 'student')
    assert.equal(body.modelVersion, version)
    assert.equal(res.headers['x-model-version'], String(version))
    assert.equal(body.ignoredItems, 0)
    const expected = await evalRanking(join(dir, 'models'), version, userHistory, 20)
    assert.deepEqual(body.items.map((i) => i.itemId), expected.map((e) => dataset.items.id(e.index)))
    assert.deepEqual(body.items.map((i) => i.score), expected.map((e) => e.score))
  })

  it('equals a brute-force dot product over the saved weights (order exact, scores to float precision)', async (t) => {
    const { app, version, dir } = await buildWithStudent(t)
    const history = ['i3', 'i7', 'i1'].filter((id) => dataset.items.index(id) !== undefined)
    const body = (await app.inject({ method: 'POST', url: '/recommend', payload: { history, k: 15 } })).json<Body>()
    const { model } = await loadStudent(join(dir, 'models'), version)
    const [vector] = model.userVectors([Int32Array.from(history, (id) => dataset.items.index(id) as number)])
    const matrix = model.itemMatrix()
    model.dispose()
    const width = vector.length
    const scores = Float64Array.from({ length: dataset.items.size }, (_, i) => {
      let dot = 0
      for (let d = 0; d < width; d++) dot += vector[d] * matrix[i * width + d]
      return dot
    })
    const seen = new Set(history)
    const reference = [...scores.keys()].filter((i) => !seen.has(dataset.items.id(i))).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, 15)
    assert.deepEqual(body.items.map((i) => i.itemId), reference.map((i) => dataset.items.id(i)))
    body.items.forEach((item, r) => assert.ok(Math.abs(item.score - scores[reference[r]]) < 1e-5, `${item.score} vs ${scores[reference[r]]}`))
  })

  it('never returns seen or excluded items, and honours k', async (t) => {
    const { app } = await buildWithStudent(t)
    const seen = new Set([...userHistory].map((i) => dataset.items.id(i)))
    const exclude = ['i2', 'i5', 'i8']
    const body = (await app.inject({ method: 'POST', url: '/recommend', payload: { userId: user, k: 100, exclude } })).json<Body>()
    assert.equal(body.items.length, 100)
    for (const { itemId } of body.items) {
      assert.ok(!seen.has(itemId), `${itemId} was seen`)
      assert.ok(!exclude.includes(itemId), `${itemId} was excluded`)
    }
    const all = (await app.inject({ url: `/recommend?userId=${user}&k=100&excludeSeen=false` })).json<Body>()
    assert.ok(all.items.some((i) => seen.has(i.itemId)), 'excludeSeen=false lets seen items back')
  })

  it('gives a user with no known items popularity, and says so', async (t) => {
    const { app, version } = await buildWithStudent(t)
    const cold = (await app.inject({ url: '/recommend?userId=nobody&k=5' })).json<Body>()
    assert.equal(cold.source, 'popular')
    assert.equal(cold.modelVersion, version)
    const unknown = (await app.inject({ method: 'POST', url: '/recommend', payload: { history: ['nope-1', 'nope-2'], k: 5 } })).json<Body>()
    assert.equal(unknown.source, 'popular')
    assert.equal(unknown.ignoredItems, 2)
    assert.deepEqual(unknown.items.map((i) => i.itemId), cold.items.map((i) => i.itemId))
  })

  it('ignores unknown items in a history and counts them', async (t) => {
    const { app } = await buildWithStudent(t)
    const known = (await app.inject({ method: 'POST', url: '/recommend', payload: { history: ['i3', 'i9'], k: 5 } })).json<Body>()
    const mixed = (await app.inject({ method: 'POST', url: '/recommend', payload: { history: ['x-1', 'i3', 'x-2', 'i9'], k: 5 } })).json<Body>()
    assert.equal(mixed.ignoredItems, 2)
    assert.equal(mixed.source, 'student')
    assert.deepEqual(mixed.items, known.items)
  })

  it('reflects an event in the very next recommendation, with no retraining', async (t) => {
    const { app } = await buildWithStudent(t)
    const before = (await app.inject({ url: `/recommend?userId=${user}&k=10` })).json<Body>()
    const next = before.items[0].itemId
    const res = await app.inject({ method: 'POST', url: '/events', payload: { userId: user, itemId: next } })
    assert.equal(res.statusCode, 202)
    const after = (await app.inject({ url: `/recommend?userId=${user}&k=10` })).json<Body>()
    assert.ok(!after.items.some((i) => i.itemId === next), 'the item just seen is left out')
    assert.notDeepEqual(after.items.map((i) => i.score), before.items.slice(1).map((i) => i.score), 'the user vector moved with the new item')
  })

  it('caches rankings under keys that carry the version: after a swap nothing of the old version is read', async (t) => {
    const { app, services, version, dir } = await buildWithStudent(t)
    const results = async (): Promise<string[]> => (await services.metrics.cacheRequests.get()).values.map((v) => `${v.labels.result}:${v.value}`).sort()
    await app.inject({ url: `/recommend?userId=${user}` })
    await app.inject({ url: `/recommend?userId=${user}` })
    assert.deepEqual(await results(), ['hit:1', 'miss:1'])
    assert.match(keyFromHash(version, historyHash(userHistory)), new RegExp(`^rec:v${version}:h`))

    const next = await saveStudent(join(dir, 'models'), { seed: 99 })
    const files = directoryFiles(versionDir(join(dir, 'models'), 'student', next))
    const loaded = await loadStudentVersion(files, next, { counts: new Map(), batch: { maxBatch: 8, maxWaitMs: 0 } })
    services.serving.registry.swap(loaded)
    const body = (await app.inject({ url: `/recommend?userId=${user}` })).json<Body>()
    assert.equal(body.modelVersion, next)
    assert.deepEqual(await results(), ['hit:1', 'miss:2'])
  })

  it('refuses a corrupt newest version and serves the older valid one', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'distillrec-serve-'))
    t.after(async () => await rm(dir, { recursive: true, force: true }))
    const models = join(dir, 'models')
    const good = await saveStudent(models, { seed: 1 })
    const bad = await saveStudent(models, { seed: 2 })
    await writeFile(join(models, 'student', String(bad), 'weights.bin'), Buffer.alloc(16))
    await mkdir(join(models, 'student', '.tmp-half-written'), { recursive: true })
    const { app } = await build(t, {}, dir)
    const ready = (await app.inject({ url: '/health/ready' })).json<{ model: { version: number, kind: string } }>()
    assert.deepEqual(ready.model, { version: good, kind: 'student' })
    assert.equal((await app.inject({ url: `/recommend?userId=${user}` })).json<Body>().modelVersion, good)
  })

  it('serves popularity (version 0) when no version is valid', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'distillrec-serve-'))
    t.after(async () => await rm(dir, { recursive: true, force: true }))
    const models = join(dir, 'models')
    const only = await saveStudent(models, { itemIds: dataset.items.ids().slice(1) })
    await writeFile(join(models, 'student', String(only), 'items.json'), '{"items": 7}')
    const { app } = await build(t, {}, dir)
    const body = (await app.inject({ url: `/recommend?userId=${user}` })).json<Body>()
    assert.deepEqual([body.modelVersion, body.source], [0, 'popular'])
  })

  it('leaks no tensor across 1,000 requests, hits and misses alike', async (t) => {
    const { app } = await buildWithStudent(t, { CACHE_TTL_MS: '60000' })
    await app.inject({ method: 'POST', url: '/recommend', payload: { history: ['i1'], k: 5 } })
    const before = tf.memory().numTensors
    for (let r = 0; r < 1000; r++) {
      const history = [`i${r % 50}`, `i${(r * 7) % 50}`]
      const res = await app.inject({ method: 'POST', url: '/recommend', payload: { history, k: 10 } })
      assert.equal(res.statusCode, 200)
    }
    assert.equal(tf.memory().numTensors, before)
  })

  it('answers POST /recommend/batch entry by entry, in order, one bad entry failing alone', async (t) => {
    const { app } = await buildWithStudent(t)
    const single = (await app.inject({ url: `/recommend?userId=${user}&k=3` })).json<Body>()
    const res = await app.inject({
      method: 'POST',
      url: '/recommend/batch',
      payload: { requests: [{ userId: user, k: 3 }, { k: 3 }, { history: ['i1'], k: 0 }, { history: ['i1'], k: 2 }] }
    })
    assert.equal(res.statusCode, 200)
    const { results } = res.json<{ results: Array<Body & { statusCode?: number, code?: string, field?: string }> }>()
    assert.equal(results.length, 4)
    assert.deepEqual({ ...results[0], recommendationId: '' }, { ...single, recommendationId: '' })
    assert.notEqual(results[0].recommendationId, single.recommendationId)
    assert.deepEqual([results[1].statusCode, results[1].code, results[1].field], [400, 'INVALID_REQUEST', 'requests.1.userId'])
    assert.deepEqual([results[2].statusCode, results[2].code, results[2].field], [400, 'INVALID_REQUEST', 'requests.2.k'])
    assert.equal(results[3].items.length, 2)
    const tooMany = await app.inject({ method: 'POST', url: '/recommend/batch', payload: { requests: Array.from({ length: 101 }, () => ({ userId: user })) } })
    assert.equal(tooMany.statusCode, 400)
    const empty = await app.inject({ method: 'POST', url: '/recommend/batch', payload: { requests: [] } })
    assert.equal(empty.statusCode, 400)
  })

  it('filters by genre before the top k is cut, describes items on request, and names an unknown genre', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'distillrec-items-'))
    t.after(async () => await rm(dir, { recursive: true, force: true }))
    const ids = dataset.items.ids()
    // every fifth item is a Drama; a tenth of the items have no metadata at all
    const lines = ids.filter((_, i) => i % 10 !== 9).map((itemId, i) => JSON.stringify({ itemId, title: `Title ${itemId}`, genres: i % 5 === 0 ? ['Drama'] : ['Comedy'] }))
    await writeFile(join(dir, 'items.jsonl'), lines.join('\n') + '\n')
    const dramas = new Set(ids.filter((_, i) => i % 10 !== 9).filter((_, i) => i % 5 === 0))
    const { app } = await buildWithStudent(t, { ITEMS_PATH: join(dir, 'items.jsonl'), MAX_K: '1000' })
    assert.ok(dataset.items.size <= 1000)

    const filtered = (await app.inject({ method: 'POST', url: '/recommend', payload: { userId: user, k: 20, filter: { genres: ['drama'] }, include: ['title', 'genres'] } })).json<Body>()
    assert.equal(filtered.items.length, 20, 'k items come back when enough match')
    for (const item of filtered.items) {
      assert.ok(dramas.has(item.itemId), `${item.itemId} is not a drama`)
      assert.deepEqual([item.title, item.genres], [`Title ${item.itemId}`, ['Drama']])
    }
    const unfiltered = (await app.inject({ url: `/recommend?userId=${user}&k=${dataset.items.size}` })).json<Body>()
    assert.deepEqual(filtered.items.map((i) => i.itemId), unfiltered.items.filter((i) => dramas.has(i.itemId)).slice(0, 20).map((i) => i.itemId))
    assert.ok(unfiltered.items.every((i) => i.title === undefined), 'nothing is described unless asked')
    assert.ok(unfiltered.items.some((i) => !dramas.has(i.itemId) && ids.indexOf(i.itemId) % 10 === 9), 'items without metadata are served when no filter asks')

    const viaQuery = (await app.inject({ url: `/recommend?userId=${user}&k=20&genres=Drama&include=title` })).json<Body>()
    assert.deepEqual(viaQuery.items.map((i) => i.itemId), filtered.items.map((i) => i.itemId))
    assert.ok(viaQuery.items.every((i) => i.genres === undefined && i.title !== undefined))
    // one rule for both: names are trimmed, in the query's list and in the body's array
    const spaced = (await app.inject({ method: 'POST', url: '/recommend', payload: { userId: user, k: 20, filter: { genres: [' Drama '] } } })).json<Body>()
    assert.deepEqual(spaced.items.map((i) => i.itemId), filtered.items.map((i) => i.itemId))
    const spacedQuery = (await app.inject({ url: `/recommend?userId=${user}&k=20&genres=%20Drama%20` })).json<Body>()
    assert.deepEqual(spacedQuery.items.map((i) => i.itemId), filtered.items.map((i) => i.itemId))

    const cold = (await app.inject({ url: '/recommend?userId=nobody&k=5&genres=Drama' })).json<Body>()
    assert.equal(cold.source, 'popular')
    assert.ok(cold.items.every((i) => dramas.has(i.itemId)))

    const unknown = await app.inject({ method: 'POST', url: '/recommend', payload: { userId: user, filter: { genres: ['Western'] } } })
    assert.equal(unknown.statusCode, 400)
    assert.deepEqual(unknown.json(), { statusCode: 400, code: 'INVALID_REQUEST', field: 'filter.genres', message: 'unknown genre "Western"; known: Comedy, Drama' })
    assert.equal((await app.inject({ url: `/recommend?userId=${user}&include=rating` })).statusCode, 400)
  })

  it('sends a cached answer as the bytes of a fresh one with its own id, and never another user\'s, shape\'s or history\'s', async (t) => {
    const { app } = await buildWithStudent(t)
    const schema = TypeCompiler.Compile(Type.Object(RecommendationResponse.properties, { additionalProperties: false }))
    const get = async (url: string): Promise<{ text: string, id: string }> => {
      const res = await app.inject({ url })
      assert.equal(res.statusCode, 200)
      assert.ok(schema.Check(res.json()), res.body)
      assert.equal(res.headers['x-recommendation-id'], res.json<Body>().recommendationId)
      return { text: res.body.replace(`"recommendationId":"${res.json<Body>().recommendationId}",`, ''), id: res.json<Body>().recommendationId }
    }
    const first = await get(`/recommend?userId=${user}&k=5`)
    const hit = await get(`/recommend?userId=${user}&k=5`)
    assert.equal(hit.text, first.text)
    assert.notEqual(hit.id, first.id)
    const others = [await get(`/recommend?userId=${user}&k=4`), await get(`/recommend?userId=${dataset.users.id(4)}&k=5`)]
    for (const other of others) assert.notEqual(other.text, first.text)
    const shown = JSON.parse(first.text) as Body
    assert.equal((await app.inject({ method: 'POST', url: '/events', payload: { userId: user, itemId: shown.items[0].itemId } })).statusCode, 202)
    const after = JSON.parse((await get(`/recommend?userId=${user}&k=5`)).text) as Body
    assert.ok(!after.items.some((i) => i.itemId === shown.items[0].itemId), 'the new event makes a new answer')
  })
})
