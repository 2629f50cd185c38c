import { Type, type Static } from '@sinclair/typebox'
import { ExperimentSchema, type Experiment } from '../stores/experiment-store.js'
import type { ImpressionLog } from '../stores/impression-log.js'
import { onlineFigures, OnlineFiguresSchema } from './online-figures.js'
import type { ShadowFigures } from './shadow-scorer.js'
import { twoProportionTest } from './two-proportion.js'

const Rate = Type.Number()
export const ExperimentReportSchema = Type.Object({
  experiment: ExperimentSchema,
  /** Control first, then the candidate (split) or its shadow lists (shadow). */
  arms: Type.Array(OnlineFiguresSchema),
  /** The two-proportion z-test on the hit rate, candidate against control. */
  test: Type.Object({
    control: Rate,
    candidate: Rate,
    difference: Rate,
    z: Type.Number(),
    pValue: Type.Number(),
    confidenceInterval: Type.Array(Type.Number(), { minItems: 2, maxItems: 2, description: 'low, high' }),
    confidenceLevel: Type.Number(),
    significant: Type.Boolean(),
    requiredPerArm: Type.Union([Type.Integer(), Type.Null()]),
    minImpressions: Type.Integer(),
    enough: Type.Boolean(),
    /** candidate, control, or null: none yet (not significant, or the sample is not large enough). */
    winner: Type.Union([Type.Literal('candidate'), Type.Literal('control'), Type.Null()])
  }),
  /** This replica's shadow scoring (shadow mode, while it runs here): lists scored, overlap@10 with the served list, latency. */
  shadow: Type.Union([Type.Object({
    scored: Type.Integer(),
    failed: Type.Integer(),
    skipped: Type.Integer({ description: 'requests not scored: the shadow scorings allowed at once were under way' }),
    meanOverlapAt10: Type.Union([Type.Number(), Type.Null()]),
    p50Ms: Type.Union([Type.Number(), Type.Null()]),
    p99Ms: Type.Union([Type.Number(), Type.Null()])
  }), Type.Null()])
})
export type ExperimentReport = Static<typeof ExperimentReportSchema>

const ALPHA = 0.05

/** An experiment's arms from the impression log (every replica's), and the test between them. */
export async function experimentReport (experiment: Experiment, options: {
  impressions: Pick<ImpressionLog, 'stats'>
  minImpressions: number
  catalogueSize: (version: number) => number | undefined
  shadow: ShadowFigures | undefined
}): Promise<ExperimentReport> {
  const { impressions, minImpressions, catalogueSize, shadow } = options
  const other = experiment.mode === 'shadow' ? 'shadow' : 'candidate'
  const [control, candidate] = await Promise.all([
    impressions.stats(`x${experiment.id}:control`),
    impressions.stats(`x${experiment.id}:${other}`)
  ])
  const test = twoProportionTest({ hits: control.listsWithEvent, n: control.impressions }, { hits: candidate.listsWithEvent, n: candidate.impressions }, { alpha: ALPHA, minImpressions })
  const decided = test.significant && test.enough
  return {
    experiment,
    arms: [
      onlineFigures(experiment.control, 'control', control, catalogueSize(experiment.control)),
      onlineFigures(experiment.candidate, other, candidate, catalogueSize(experiment.candidate))
    ],
    test: { ...test, confidenceLevel: 1 - ALPHA, minImpressions, winner: decided ? (test.difference > 0 ? 'candidate' : 'control') : null },
    shadow: shadow ?? null
  }
}
