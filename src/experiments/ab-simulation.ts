import type { Recommendation } from '../serving/recommendation.js'
import type { RecommendRequest } from '../serving/recommender.js'
import { MemoryImpressionLog } from '../stores/memory-impression-log.js'
import { inCandidate } from './assignment.js'
import { Attributor } from './attributor.js'
import { BackgroundTasks } from './background-tasks.js'
import { ImpressionRecorder } from './impression-recorder.js'
import { onlineFigures, type OnlineFigures } from './online-figures.js'
import { OnlineRecommender } from './online-recommender.js'
import { twoProportionTest, type ProportionTest } from './two-proportion.js'

/** One simulated visit: the user's history (dense indices, oldest first) and the item they go on to. */
export interface Visit {
  userId: string
  history: Int32Array
  target: number
}

/** A version as the simulation serves it: the top k (dense indices) for a history, seen items left out. */
export interface SimulatedVersion {
  version: number
  top: (history: Int32Array, k: number) => Int32Array
}

export interface AbSimulationOptions {
  visits: readonly Visit[]
  itemId: (index: number) => string
  control: SimulatedVersion
  candidate: SimulatedVersion
  percent: number
  k: number
  salt: string
  /** The test is read every this many impressions. */
  checkEvery: number
  /** Each arm's impressions before the test may decide (EXPERIMENT_MIN_IMPRESSIONS). */
  minImpressions: number
  catalogueSize: number
}

export interface AbSimulationResult {
  /** Impressions (both arms) when the test first said significant with enough sample; null: never. */
  decidedAt: number | null
  /** Which arm was ahead then. */
  winner: 'candidate' | 'control' | null
  final: ProportionTest
  arms: OnlineFigures[]
  impressions: number
  clicks: number
}

const EXPERIMENT = 1

/**
 * Replays visits through the online loop as a population of users: each visit is served by its
 * arm (the salted hash of its user), recorded as an impression, and clicked, by recommendationId,
 * exactly when the list shown holds the item the user really went on to. The test on the hit rate
 * is read every `checkEvery` impressions; the first read that is significant with enough sample
 * decides, as an operator watching GET /admin/experiments/:id would.
 */
export async function simulateAb (o: AbSimulationOptions): Promise<AbSimulationResult> {
  const tasks = new BackgroundTasks({ onError: (op, err) => { throw new Error(`simulation ${op} failed`, { cause: err }) } })
  const log = new MemoryImpressionLog({ maxImpressions: o.visits.length + 1, windowMs: 3_600_000 })
  const recorder = new ImpressionRecorder({ log, tasks, sample: 1 })
  const attributor = new Attributor({ log, tasks, windowMs: 3_600_000 })
  // visits are served one at a time: the one being served is the history the versions read
  let current: Visit | undefined
  const serve = (version: SimulatedVersion) => ({
    recommend: async (request: RecommendRequest): Promise<Recommendation> => {
      const top = version.top((current as Visit).history, request.k)
      return { userId: request.userId ?? null, modelVersion: version.version, source: 'student', ignoredItems: 0, items: Array.from(top, (index, r) => ({ itemId: o.itemId(index), score: 0, rank: r + 1 })) }
    }
  })
  const control = serve(o.control)
  const candidate = serve(o.candidate)
  const online = new OnlineRecommender({
    recommender: control,
    recorder,
    choose: (key) => inCandidate(o.salt, key ?? '', o.percent)
      ? { recommender: candidate, arm: 'candidate', experimentId: EXPERIMENT }
      : { recommender: control, arm: 'control', experimentId: EXPERIMENT }
  })
  const read = async (): Promise<{ test: ProportionTest, control: Awaited<ReturnType<typeof log.stats>>, candidate: Awaited<ReturnType<typeof log.stats>> }> => {
    await tasks.idle()
    const [c, t] = await Promise.all([log.stats(`x${EXPERIMENT}:control`), log.stats(`x${EXPERIMENT}:candidate`)])
    return { control: c, candidate: t, test: twoProportionTest({ hits: c.listsWithEvent, n: c.impressions }, { hits: t.listsWithEvent, n: t.impressions }, { minImpressions: o.minImpressions }) }
  }

  let decidedAt: number | null = null
  let winner: AbSimulationResult['winner'] = null
  let clicks = 0
  for (const [n, visit] of o.visits.entries()) {
    current = visit
    const request: RecommendRequest = { userId: visit.userId, k: o.k, excludeSeen: true }
    const { recommendation, recommendationId } = await online.recommend(request, visit.userId)
    const target = o.itemId(visit.target)
    if (recommendation.items.some((item) => item.itemId === target)) {
      clicks++
      attributor.attribute([{ userId: visit.userId, itemId: target, ts: Date.now(), key: `sim:${n}`, recommendationId }])
    }
    if (decidedAt === null && (n + 1) % o.checkEvery === 0) {
      const { test } = await read()
      if (test.significant && test.enough) {
        decidedAt = n + 1
        winner = test.difference > 0 ? 'candidate' : 'control'
      }
    }
  }
  const last = await read()
  return {
    decidedAt,
    winner,
    final: last.test,
    arms: [
      onlineFigures(o.control.version, 'control', last.control, o.catalogueSize),
      onlineFigures(o.candidate.version, 'candidate', last.candidate, o.catalogueSize)
    ],
    impressions: o.visits.length,
    clicks
  }
}
