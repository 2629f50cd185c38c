import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { RecommendationSchema, type Recommendation } from '../../src/serving/recommendation.js'
import { answerJson } from '../../src/serving/recommendation-json.js'

const schema = TypeCompiler.Compile(Type.Composite([RecommendationSchema, Type.Object({ recommendationId: Type.String() })], { additionalProperties: false }))
const answer = (): Recommendation => ({
  userId: 'u "quoted" \u2028',
  modelVersion: 4,
  source: 'student',
  items: [
    { itemId: 'a', score: 0.30000001192092896, rank: 1, title: 'Amélie\n', genres: ['Drama'] },
    { itemId: 'b', score: -2, rank: 2, because: { kind: 'history', itemId: 'x', contribution: 0.25 } }
  ],
  ignoredItems: 1
})
/** What the schema's serialiser would write: the same fields in the same order. */
const fresh = (recommendation: Recommendation, recommendationId: string): string => {
  const { userId, modelVersion, source, ignoredItems, items } = recommendation
  return JSON.stringify({ userId, modelVersion, source, ignoredItems, recommendationId, items })
}
/** A cached answer as the answer cache keeps it: frozen, items included. */
const cached = (recommendation: Recommendation): Recommendation => {
  for (const item of recommendation.items) Object.freeze(item)
  Object.freeze(recommendation.items)
  return Object.freeze(recommendation)
}

describe('answerJson', () => {
  it('writes the answer and its id as JSON that matches the schema, byte for byte what JSON.stringify writes', () => {
    const text = answerJson(answer(), 'r1')
    assert.equal(text, fresh(answer(), 'r1'))
    assert.deepEqual(JSON.parse(text), { ...answer(), recommendationId: 'r1' })
    assert.ok(schema.Check(JSON.parse(text)))
  })

  it('writes popular and anonymous answers too', () => {
    const anonymous: Recommendation = { userId: null, modelVersion: 0, source: 'popular', items: [], ignoredItems: 0 }
    assert.equal(answerJson(anonymous, 'r'), fresh(anonymous, 'r'))
  })

  it('reuses a cached answer\'s text with each response\'s own id spliced in, equal to the freshly written text', () => {
    const hit = cached(answer())
    for (const id of ['r1', 'r"2\\', '']) {
      // the recommender hands out a copy of the cached answer: the text follows its frozen items
      assert.equal(answerJson({ ...hit }, id), fresh(answer(), id))
    }
  })

  it('never reuses a cached text for an answer of another user, version, source or history', () => {
    const hit = cached(answer())
    assert.equal(answerJson(hit, 'r'), fresh(answer(), 'r'))
    for (const other of [
      { ...hit, userId: 'v' }, { ...hit, userId: null }, { ...hit, modelVersion: 5 }, { ...hit, source: 'popular' as const }, { ...hit, ignoredItems: 0 }
    ]) {
      assert.equal(answerJson(other, 'r'), fresh(other, 'r'), JSON.stringify(other))
      // and the original is still written as itself afterwards
      assert.equal(answerJson(hit, 'r'), fresh(hit, 'r'))
    }
  })

  it('writes a list that is not frozen anew every time (it may still change)', () => {
    const open = answer()
    const before = answerJson(open, 'r')
    open.items[0].score = 7
    assert.notEqual(answerJson(open, 'r'), before)
    assert.equal(answerJson(open, 'r'), fresh(open, 'r'))
  })
})
