import { Type, type Static } from '@sinclair/typebox'
import { ARMS, type ArmStats } from '../stores/impression-log.js'

/**
 * One version's (or experiment arm's) online figures, as GET /admin/models, GET /admin/experiments/:id
 * and the model report show them. Formulas:
 * - hitRate = lists with >= 1 attributed event / impressions
 * - ctrAtK = attributed events at ranks 1..k / (impressions x k): clicks per shown slot of the top k
 * - dcg = sum over attributed events of 1 / log2(rank + 1), per impression: an online DCG with binary
 *   gains (NDCG-like: higher when the clicked items are ranked higher; 1 = one click at rank 1 per list)
 * - coverage = distinct items shown / the version's catalogue (null when the catalogue is unknown)
 */
export const OnlineFiguresSchema = Type.Object({
  version: Type.Integer(),
  arm: Type.Union(ARMS.map((a) => Type.Literal(a))),
  impressions: Type.Integer(),
  listsWithEvent: Type.Integer(),
  hitRate: Type.Number(),
  ctrAt1: Type.Number(),
  ctrAt5: Type.Number(),
  ctrAt10: Type.Number(),
  dcg: Type.Number(),
  coverage: Type.Union([Type.Number(), Type.Null()])
})
export type OnlineFigures = Static<typeof OnlineFiguresSchema>

export function onlineFigures (version: number, arm: OnlineFigures['arm'], stats: ArmStats, catalogueSize: number | undefined): OnlineFigures {
  const n = stats.impressions
  const ratio = (x: number): number => n === 0 ? 0 : x / n
  const topK = (k: number): number => stats.eventsByRank.slice(0, k).reduce((sum, c) => sum + c, 0)
  const dcg = stats.eventsByRank.reduce((sum, c, i) => sum + c / Math.log2(i + 2), 0)
  return {
    version,
    arm,
    impressions: n,
    listsWithEvent: stats.listsWithEvent,
    hitRate: ratio(stats.listsWithEvent),
    ctrAt1: ratio(topK(1)),
    ctrAt5: ratio(topK(5)) / 5,
    ctrAt10: ratio(topK(10)) / 10,
    dcg: ratio(dcg),
    coverage: catalogueSize === undefined || catalogueSize === 0 ? null : Math.min(1, stats.itemsShown / catalogueSize)
  }
}
