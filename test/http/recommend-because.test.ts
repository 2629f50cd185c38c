import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { StudentEncoder } from '../../src/models/student-encoder.js'
import { RecommendationSchema, type Recommendation } from '../../src/serving/recommendation.js'
import { buildWithStudent } from '../helper.js'
import { dataset, loadStudent } from '../serving/student-fixture.js'

const schema = TypeCompiler.Compile(RecommendationSchema)
const user = dataset.users.id(3)
const otherUser = dataset.users.id(4)

/** Brute force on the saved weights: the score with only `kept`'s positions pooled, less the score with none. */
async function shares (modelsDir: string, version: number, history: Int32Array, item: number): Promise<Map<number, number>> {
  const { model } = await loadStudent(modelsDir, version)
  const config = model.config
  const plain = Object.fromEntries(Object.entries(model.weights()).map(([name, v]) => [name, v.dataSync() as Float32Array]))
  model.dispose()
  const score = (positionWeights: Float32Array): number => {
    const e = new StudentEncoder(config, { ...plain, positionWeights } as never)
    const user = e.encode(history)
    const row = e.itemMatrix().subarray(item * e.servingDim, (item + 1) * e.servingDim)
    return user.reduce((sum, u, d) => sum + u * row[d], 0)
  }
  const take = Math.min(config.window, history.length)
  const none = score(new Float32Array(config.window))
  const out = new Map<number, number>()
  for (const kept of new Set(history.subarray(history.length - take))) {
    const only = new Float32Array(config.window)
    for (let j = 0; j < take; j++) if (history[history.length - take + j] === kept) only[config.window - take + j] = plain.positionWeights[config.window - take + j]
    out.set(kept, score(only) - none)
  }
  return out
}

describe('/recommend with include=because', () => {
  it('names, for each item, the history item with the largest brute-force share of its score, and that share', async (t) => {
    const { app, version, dir } = await buildWithStudent(t)
    const res = await app.inject({ url: `/recommend?userId=${user}&k=10&include=because` })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^application\/json/)
    const body = res.json<Recommendation>()
    assert.ok(schema.Check(body), JSON.stringify([...schema.Errors(body)].slice(0, 2)))
    assert.equal(body.source, 'student')
    for (const item of body.items) {
      const because = item.because
      assert.equal(because?.kind, 'history')
      if (because?.kind !== 'history') return
      const all = await shares(join(dir, 'models'), version, dataset.sequences[3], dataset.items.index(item.itemId) as number)
      const [bestItem, bestShare] = [...all].reduce((a, b) => (b[1] > a[1] ? b : a))
      assert.equal(because.itemId, dataset.items.id(bestItem))
      assert.ok(Math.abs(because.contribution - bestShare) < 1e-4, `${because.contribution} vs ${bestShare}`)
    }
  })

  it('labels popular fallbacks as such, by GET and by POST, with titles asked for too', async (t) => {
    const { app } = await buildWithStudent(t)
    const cold = (await app.inject({ url: '/recommend?userId=nobody&k=3&include=title,because' })).json<Recommendation>()
    assert.equal(cold.source, 'popular')
    assert.deepEqual(cold.items.map((i) => i.because), [{ kind: 'popular' }, { kind: 'popular' }, { kind: 'popular' }])
    const posted = (await app.inject({ method: 'POST', url: '/recommend', payload: { history: ['nope'], k: 2, include: ['because'] } })).json<Recommendation>()
    assert.deepEqual(posted.items.map((i) => i.because), [{ kind: 'popular' }, { kind: 'popular' }])
  })

  it('explains a posted history by its own items', async (t) => {
    const { app } = await buildWithStudent(t)
    const history = ['i3', 'i7', 'i1'].filter((id) => dataset.items.index(id) !== undefined)
    const body = (await app.inject({ method: 'POST', url: '/recommend', payload: { history, k: 5, include: ['because'] } })).json<Recommendation>()
    assert.equal(body.source, 'student')
    for (const item of body.items) assert.ok(item.because?.kind === 'history' && history.includes(item.because.itemId), JSON.stringify(item))
  })

  it('serves the same explained answer from the cache, and no explanation to a request without include', async (t) => {
    const { app, services } = await buildWithStudent(t)
    const first = await app.inject({ url: `/recommend?userId=${user}&k=5&include=because` })
    const again = await app.inject({ url: `/recommend?userId=${user}&k=5&include=because` })
    // the same text but for the per-response recommendationId
    const withoutId = (text: string): string => text.replace(/"recommendationId":"[^"]+",/, '')
    assert.equal(withoutId(again.body), withoutId(first.body))
    assert.notEqual(again.json().recommendationId, first.json().recommendationId)
    const hits = (await services.metrics.cacheRequests.get()).values.find((v) => v.labels.result === 'hit')
    assert.equal(hits?.value, 1)
    const plain = (await app.inject({ url: `/recommend?userId=${user}&k=5` })).json<Recommendation>()
    assert.ok(plain.items.every((i) => i.because === undefined))
    assert.deepEqual(plain.items.map((i) => i.itemId), first.json<Recommendation>().items.map((i) => i.itemId))
    const other = (await app.inject({ url: `/recommend?userId=${otherUser}&k=5&include=because` })).json<Recommendation>()
    assert.equal(other.userId, otherUser)
    const seen = new Set([...dataset.sequences[4]].map((i) => dataset.items.id(i)))
    for (const item of other.items) assert.ok(item.because?.kind === 'history' && seen.has(item.because.itemId), 'explained by the other user\'s own history')
  })

  it('refuses an unknown include, a repeated one and too many', async (t) => {
    const { app } = await buildWithStudent(t)
    for (const url of ['/recommend?userId=u&include=why', '/recommend?userId=u&include=because,', '/recommend?userId=u&include=title,genres,because,title']) {
      const res = await app.inject({ url })
      assert.equal(res.statusCode, 400, url)
      assert.equal(res.json<{ code: string }>().code, 'INVALID_REQUEST')
    }
    const repeated = await app.inject({ method: 'POST', url: '/recommend', payload: { userId: 'u', include: ['because', 'because'] } })
    assert.equal(repeated.statusCode, 400)
  })
})
