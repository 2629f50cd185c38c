import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BackgroundTasks } from '../../src/experiments/background-tasks.js'
import { ImpressionRecorder } from '../../src/experiments/impression-recorder.js'
import { OnlineRecommender } from '../../src/experiments/online-recommender.js'
import { overlapAt, ShadowScorer } from '../../src/experiments/shadow-scorer.js'
import type { Recommendation, RecommendRequest } from '../../src/serving/recommender.js'
import { MemoryImpressionLog } from '../../src/stores/memory-impression-log.js'

const list = (version: number, ids: string[]): Recommendation => ({
  userId: 'u', modelVersion: version, source: 'student', ignoredItems: 0, items: ids.map((itemId, i) => ({ itemId, score: 1 - i / 100, rank: i + 1 }))
})
const REQUEST: RecommendRequest = { userId: 'u', k: 10, excludeSeen: true }

function setup (candidate: (request: RecommendRequest) => Promise<Recommendation>, control?: (request: RecommendRequest) => Promise<Recommendation>) {
  const errors: string[] = []
  const tasks = new BackgroundTasks({ onError: (op) => errors.push(op) })
  const log = new MemoryImpressionLog({ maxImpressions: 100, windowMs: 60_000 })
  const recorder = new ImpressionRecorder({ log, tasks, sample: 1 })
  const shadow = new ShadowScorer({ experimentId: 1, candidate: { recommend: candidate }, tasks, recorder })
  const served = list(2, ['a', 'b', 'c', 'd'])
  const online = new OnlineRecommender({
    recommender: { recommend: async () => served },
    recorder,
    tasks,
    choose: () => shadow.reserve()
      ? { recommender: { recommend: control ?? (async () => served) }, arm: 'control', experimentId: 1, after: (r, s, recorded) => shadow.score(r, s, recorded), abandon: () => shadow.abandon() }
      : undefined
  })
  return { online, shadow, tasks, log, errors, served }
}

describe('shadow scoring', () => {
  it('computes overlap@k as shared items of the two top k over k', () => {
    assert.equal(overlapAt(10, ['a', 'b', 'c'], ['c', 'a', 'x']), 0.2)
    assert.equal(overlapAt(2, ['a', 'b', 'c'], ['b', 'a']), 1)
    assert.equal(overlapAt(10, [], []), 0)
  })

  it('never changes the answer and records the candidate\'s list beside it, after the answer', async () => {
    let scored = false
    const { online, shadow, tasks, log, served } = setup(async () => { scored = true; return list(1, ['b', 'x', 'a']) })
    const answer = await online.recommend(REQUEST, 'u')
    assert.equal(answer.recommendation, served)
    assert.equal(scored, false, 'the candidate ran before the answer was returned')
    await tasks.idle()
    assert.equal(scored, true)
    const recorded = await log.recent(10)
    assert.deepEqual(recorded.map((i) => [i.id, i.arm, i.version, i.items]), [
      [`${answer.recommendationId}~shadow`, 'shadow', 1, ['b', 'x', 'a']],
      [answer.recommendationId, 'control', 2, ['a', 'b', 'c', 'd']]
    ])
    const figures = shadow.figures()
    assert.equal(figures.scored, 1)
    assert.equal(figures.meanOverlapAt10, 0.2)
  })

  it('never fails a request when the candidate throws, and counts the failure', async () => {
    const { online, shadow, tasks, errors, served } = setup(async () => { throw new Error('candidate broke') })
    for (let n = 0; n < 5; n++) {
      assert.equal((await online.recommend(REQUEST, 'u')).recommendation, served)
      await tasks.idle()
    }
    assert.deepEqual(errors, ['shadow', 'shadow', 'shadow', 'shadow', 'shadow'])
    assert.deepEqual(shadow.figures(), { scored: 0, failed: 5, skipped: 0, meanOverlapAt10: null, p50Ms: null, p99Ms: null })
  })

  it('does not hold the answer while the candidate is slow', async () => {
    const releases: Array<() => void> = []
    const { online, tasks } = setup(async () => await new Promise((resolve) => { releases.push(() => resolve(list(1, ['a']))) }))
    const answer = await online.recommend(REQUEST, 'u')
    assert.equal(answer.recommendation.modelVersion, 2)
    assert.equal(tasks.inFlight, 2)
    while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve))
    releases[0]()
    await tasks.idle()
  })

  it('gives the slot back when the control fails, and fails only that request', async () => {
    const { shadow, tasks } = setup(async () => list(1, ['a']))
    const errors: string[] = []
    const failing = new OnlineRecommender({
      recommender: { recommend: async () => { throw new Error('control broke') } },
      recorder: new ImpressionRecorder({ log: new MemoryImpressionLog({ maxImpressions: 10, windowMs: 1000 }), tasks: new BackgroundTasks({ onError: (op) => errors.push(op) }), sample: 1 }),
      choose: () => shadow.reserve()
        ? { recommender: { recommend: async () => { throw new Error('control broke') } }, arm: 'control', experimentId: 1, after: () => assert.fail('scored a failed request'), abandon: () => shadow.abandon() }
        : undefined
    })
    for (let n = 0; n < 4; n++) await assert.rejects(failing.recommend(REQUEST, 'u'), /control broke/)
    await tasks.idle()
    assert.deepEqual(shadow.figures().skipped, 0)
  })

  it('starts scoring only once no request is being served: serving goes first', async () => {
    let scored = 0
    let release = (): void => {}
    const served = list(2, ['a'])
    const { online, tasks } = setup(async () => { scored++; return list(1, ['a']) },
      async (request) => request.userId === 'slow' ? await new Promise((resolve) => { release = () => resolve(served) }) : served)
    const slow = online.recommend({ ...REQUEST, userId: 'slow' }, 'slow')
    // answered while the slow request is still being served: its scoring waits
    assert.equal((await online.recommend(REQUEST, 'u')).recommendation, served)
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))
    assert.equal(scored, 0)
    assert.equal(online.waiting, 1)
    release()
    await slow
    await tasks.idle()
    assert.equal(scored, 2)
    assert.equal(online.waiting, 0)
  })

  it('leaves a request out of the experiment, counting it, while maxInFlight scorings are under way', async () => {
    const releases: Array<() => void> = []
    const { online, shadow, tasks } = setup(async () => await new Promise((resolve) => { releases.push(() => resolve(list(1, ['a']))) }))
    for (let n = 0; n < 5; n++) await online.recommend(REQUEST, 'u')
    assert.equal(shadow.figures().skipped, 3)
    while (releases.length < 2) await new Promise((resolve) => setImmediate(resolve))
    for (const release of releases) release()
    await tasks.idle()
    assert.equal(shadow.figures().scored, 2)
  })

  it('records and shadow-scores an answer handed out at once (a cache hit) like any other, with one choice of arm per request', async () => {
    let scored = 0
    const errors: string[] = []
    const tasks = new BackgroundTasks({ onError: (op) => errors.push(op) })
    const log = new MemoryImpressionLog({ maxImpressions: 100, windowMs: 60_000 })
    const recorder = new ImpressionRecorder({ log, tasks, sample: 1 })
    const shadow = new ShadowScorer({ experimentId: 1, candidate: { recommend: async () => { scored++; return list(1, ['a']) } }, tasks, recorder })
    const served = list(2, ['a', 'b'])
    const held: { answer?: Recommendation } = {}
    const control = { recommend: async () => served, answered: () => held.answer }
    const online = new OnlineRecommender({
      recommender: control,
      recorder,
      tasks,
      choose: () => shadow.reserve()
        ? { recommender: control, arm: 'control', experimentId: 1, after: (r, s, recorded) => shadow.score(r, s, recorded), abandon: () => shadow.abandon() }
        : undefined
    })
    // a miss: the arm chosen once, answered the asynchronous way
    const missed = online.serve(REQUEST, 'u')
    assert.ok(missed instanceof Promise)
    assert.equal((await missed).recommendation, served)
    await tasks.idle()
    // a hit: answered at once
    held.answer = served
    const answer = online.serve(REQUEST, 'u')
    assert.ok(!(answer instanceof Promise))
    assert.equal(answer.recommendation, served)
    await tasks.idle()
    assert.equal(scored, 2)
    assert.deepEqual((await log.recent(2)).map((i) => [i.id, i.arm]), [[`${answer.recommendationId}~shadow`, 'shadow'], [answer.recommendationId, 'control']])
    assert.deepEqual(shadow.figures().skipped, 0)
    // with the scorer full (maxInFlight 2), a miss is counted as skipped once
    held.answer = undefined
    assert.ok(shadow.reserve() && shadow.reserve())
    await online.serve(REQUEST, 'u')
    assert.deepEqual(shadow.figures().skipped, 1)
    shadow.abandon()
    shadow.abandon()
    assert.deepEqual(errors, [])
  })
})
