import type { EvalCase } from '../../data/split.js'
import { MixtureScorer, type MixtureMember } from '../../models/mixture.js'
import type { Scorer } from '../../models/scorer.js'
import { Random } from '../../data/random.js'
import { ndcgAtK, rankOfTarget } from '../evaluation/metrics.js'
import { mixTeacherTargets, scorerTargets, type TeacherTargets } from './teacher-targets.js'

export interface EnsembleMember {
  scorer: Scorer
  /** As in MixtureMember: logit scale for scorers without a softmax scale (counts, votes). */
  sharpness?: number
}

export interface FitEnsembleOptions {
  k?: number
  /** Weights tried per member are 0, 1/steps, ..., 1 (before normalising). Default 10. */
  steps?: number
  /** Passes of coordinate ascent over the members. Default 3. */
  rounds?: number
  /** Validation cases used to fit (a seeded sample when there are more). Default 2000. */
  maxCases?: number
  seed?: number
}

export interface FittedEnsemble {
  /** One weight per member, summing to 1; 0 drops a member. */
  weights: number[]
  /** NDCG@k of the mixture and of each member alone, on the cases it was fitted on. */
  ndcg: number
  memberNdcg: number[]
  cases: number
}

/**
 * Fits the weights of a mixture of scorers (score = Σ w_m · softmax(member m's scores), see
 * MixtureScorer) on validation cases, maximising NDCG@k by coordinate ascent over a grid, started
 * from the best single member; so the mixture is at least as good as its best member on those
 * cases. Each member scores every case once; the search only recombines those rows.
 */
export function fitEnsemble (members: readonly EnsembleMember[], valid: readonly EvalCase[], options: FitEnsembleOptions = {}): FittedEnsemble {
  if (members.length === 0) throw new RangeError('an ensemble needs at least one member')
  const k = options.k ?? 10
  const steps = options.steps ?? 10
  const rounds = options.rounds ?? 3
  const cases = sample(valid, options.maxCases ?? 2000, options.seed ?? 1)
  const numItems = members[0].scorer.numItems
  // probs[m][c]: member m's softmax row for case c
  const probs = members.map((m) => {
    const alone = new MixtureScorer([{ scorer: m.scorer, weight: 1, sharpness: m.sharpness }])
    const rows: Float32Array[] = []
    for (let start = 0; start < cases.length; start += 256) {
      const batch = cases.slice(start, start + 256)
      rows.push(...alone.scoreBatch(batch.map((c) => c.history), batch.map((c) => c.user)))
    }
    return rows
  })
  const masked = new Uint8Array(numItems)
  const mixed = new Float32Array(numItems)
  const score = (weights: readonly number[]): number => {
    const total = weights.reduce((a, b) => a + b, 0)
    if (total === 0) return -Infinity
    let sum = 0
    cases.forEach((c, i) => {
      mixed.fill(0)
      weights.forEach((w, m) => {
        if (w === 0) return
        const row = probs[m][i]
        for (let j = 0; j < numItems; j++) mixed[j] += (w / total) * row[j]
      })
      for (const item of c.history) masked[item] = 1
      masked[c.target] = 0
      sum += ndcgAtK(rankOfTarget(mixed, c.target, masked), k)
      for (const item of c.history) masked[item] = 0
    })
    return cases.length === 0 ? 0 : sum / cases.length
  }
  const memberNdcg = members.map((_, m) => score(members.map((__, n) => n === m ? 1 : 0)))
  const best = memberNdcg.indexOf(Math.max(...memberNdcg))
  let weights: number[] = members.map((_, m) => m === best ? 1 : 0)
  let ndcg = memberNdcg[best]
  for (let round = 0; round < rounds; round++) {
    let improved = false
    for (let m = 0; m < members.length; m++) {
      for (let s = 0; s <= steps; s++) {
        const tried = weights.map((w, n) => n === m ? s / steps : w)
        const value = score(tried)
        // strictly better only: ties keep the simpler mixture found first
        if (value > ndcg + 1e-12) {
          ndcg = value
          weights = tried
          improved = true
        }
      }
    }
    if (!improved) break
  }
  const total = weights.reduce((a, b) => a + b, 0)
  return { weights: weights.map((w) => w / total), ndcg, memberNdcg, cases: cases.length }
}

/** The fitted mixture as one scorer (members of weight 0 left out). */
export function ensembleScorer (members: readonly EnsembleMember[], weights: readonly number[], name?: string): MixtureScorer {
  const kept: MixtureMember[] = members.flatMap((m, i) => weights[i] > 0 ? [{ scorer: m.scorer, weight: weights[i], sharpness: m.sharpness }] : [])
  return new MixtureScorer(kept, name)
}

/**
 * The fitted ensemble's soft targets at the positions of `own`, member 0's targets (the teacher's,
 * computed by the caller): every other member of weight above 0 gives its scorer's targets there
 * (see scorerTargets), and the kept members' targets are mixed by weight (see mixTeacherTargets).
 */
export function fittedEnsembleTargets (members: readonly EnsembleMember[], weights: readonly number[], own: TeacherTargets,
  train: readonly Int32Array[], topN: number, onProgress?: (member: string) => (done: number, total: number) => void): TeacherTargets {
  const parts: TeacherTargets[] = []
  const kept: number[] = []
  members.forEach((m, i) => {
    if (weights[i] === 0) return
    parts.push(i === 0 ? own : scorerTargets(m.scorer, train, own.positions, { topN, sharpness: m.sharpness, onProgress: onProgress?.(m.scorer.name) }))
    kept.push(weights[i])
  })
  return parts.length === 1 && parts[0] === own ? own : mixTeacherTargets(parts, kept, topN)
}

/**
 * Why a fitted ensemble's targets carry no item embeddings (for the hint loss): the fit gave the
 * teacher, member 0 and the only one with embeddings, weight 0. Undefined when it kept the teacher.
 */
export function teacherDropped (teacherLabel: string, weights: readonly number[]): string | undefined {
  return weights[0] === 0 ? `the ensemble fitted on validation gives ${teacherLabel} weight 0` : undefined
}

/** `names[i] (weight)` for every member of weight above 0, e.g. "teacher v3 (0.31), item-knn (0.63)". */
export function ensembleLabel (names: readonly string[], weights: readonly number[]): string {
  return names.flatMap((name, i) => weights[i] > 0 ? [`${name} (${weights[i].toFixed(2)})`] : []).join(', ')
}

function sample<T> (items: readonly T[], max: number, seed: number): readonly T[] {
  if (items.length <= max) return items
  const order = Array.from(items.keys())
  new Random(seed).shuffle(order)
  return order.slice(0, max).sort((a, b) => a - b).map((i) => items[i])
}
