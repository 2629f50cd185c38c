import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { RecommendationSchema, type Recommendation } from '../../src/serving/recommendation.js'
import { itemsJson, recommendationJson } from '../../src/serving/recommendation-json.js'

const schema = TypeCompiler.Compile(RecommendationSchema)
const answer = (): Recommendation => ({
  userId: 'u "quoted" \u2028',
  modelVersion: 4,
  source: 'student',
  items: [
    { itemId: 'a', score: 0.30000001192092896, rank: 1, title: 'Amélie\n', genres: ['Drama'] },
    { itemId: 'b', score: -2, rank: 2 }
  ],
  ignoredItems: 1
})

describe('recommendationJson', () => {
  it('writes JSON that parses back to the answer and matches its schema', () => {
    const text = recommendationJson(answer())
    assert.deepEqual(JSON.parse(text), answer())
    assert.ok(schema.Check(JSON.parse(text)))
  })

  it('writes the answer\'s own fields, popular and anonymous ones too', () => {
    const anonymous: Recommendation = { userId: null, modelVersion: 0, source: 'popular', items: [], ignoredItems: 0 }
    assert.deepEqual(JSON.parse(recommendationJson(anonymous)), anonymous)
  })

  it('keeps a per-response field added to a copy of a cached answer', () => {
    const cached = answer()
    Object.freeze(cached.items)
    const first = JSON.parse(recommendationJson({ ...cached, recommendationId: 'r1' } as Recommendation))
    const second = JSON.parse(recommendationJson({ ...cached, recommendationId: 'r"2' } as Recommendation))
    assert.deepEqual([first.recommendationId, second.recommendationId], ['r1', 'r"2'])
    assert.deepEqual({ ...first, recommendationId: undefined }, { ...answer(), recommendationId: undefined })
    assert.deepEqual(first.items, second.items)
  })

  it('serialises a frozen list once and an unfrozen one every time (it may still change)', () => {
    const open = answer().items
    const before = itemsJson(open)
    open[0].score = 7
    assert.notEqual(itemsJson(open), before)
    const frozen = Object.freeze(answer().items)
    assert.equal(itemsJson(frozen), JSON.stringify(frozen))
    assert.equal(itemsJson(frozen), itemsJson(frozen))
  })
})
