import type { EvalCase } from '../../data/split.js'
import { MixtureScorer, type MixtureMember } from '../../models/mixture.js'
import type { Scorer } from '../../models/scorer.js'
import { Random } from '../../data/random.js'
import { ndcgAtK, rankOfTarget } from '../evaluation/metrics.js'
import { mixTeacherTargets, scorerTargets, type TeacherTargets } from './teacher-targets.js'
import { topK } from '../../models/top-k.js'
import { TRAINING_DEFAULTS } from '../training-defaults.js'

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
  /**
   * Catalogues of more items than this are fitted on candidate sets (see fitSparse): each member
   * keeps its `candidates` most probable items per case and the target's probability, instead of a
   * dense cases x items row per member (2,000 x 1,000,000 floats is 8 GB a member). Default
   * TRAINING_DEFAULTS.targets.exactMaxItems (50,000); below it the fit is exact, as before.
   */
  denseMaxItems?: number
  /** Items kept per member and case above denseMaxItems. Default 1,000. */
  candidates?: number
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
  const score = numItems > (options.denseMaxItems ?? TRAINING_DEFAULTS.targets.exactMaxItems)
    ? sparseScore(members, cases, k, options.candidates ?? SPARSE_CANDIDATES)
    : denseScore(members, cases, k)
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

const SPARSE_CANDIDATES = 1000

/** NDCG@k of the mixture of given weights over the fitting cases. */
type MixtureNdcg = (weights: readonly number[]) => number

/** Every member's softmax row for every case, held: exact, cases x items floats per member. */
function denseScore (members: readonly EnsembleMember[], cases: readonly EvalCase[], k: number): MixtureNdcg {
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
  return score
}

/**
 * The fit on candidate sets, for large catalogues: each member's softmax row is computed a few
 * cases at a time and only its `candidates` most probable items (history left out) and the
 * target's probability are kept. The mixture's score of the target is exact; an item competes
 * with it through the members that kept it (a member that did not keep an item gives it 0, less
 * than the probability of its candidates), and an item no member kept is taken not to outrank
 * the target. So a rank is exact where every member kept the items above the target (NDCG@10
 * needs ranks up to 10 only), and otherwise no worse than exact: the fitted NDCG is an upper bound.
 */
function sparseScore (members: readonly EnsembleMember[], cases: readonly EvalCase[], k: number, candidates: number): MixtureNdcg {
  const numItems = members[0].scorer.numItems
  const keep = Math.min(candidates, numItems)
  // rows of at most 2^24 floats at a time
  const batchSize = Math.max(1, Math.min(256, Math.floor(2 ** 24 / numItems)))
  const masked = new Uint8Array(numItems)
  // kept[m]: member m's items and probabilities, `keep` per case; target[m][c]: its probability of case c's target
  const kept = members.map((m) => {
    const alone = new MixtureScorer([{ scorer: m.scorer, weight: 1, sharpness: m.sharpness }])
    const items = new Int32Array(cases.length * keep).fill(-1)
    const probs = new Float32Array(cases.length * keep)
    const target = new Float32Array(cases.length)
    for (let start = 0; start < cases.length; start += batchSize) {
      const batch = cases.slice(start, start + batchSize)
      alone.scoreBatch(batch.map((c) => c.history), batch.map((c) => c.user)).forEach((row, r) => {
        const c = start + r
        target[c] = row[cases[c].target]
        for (const item of cases[c].history) masked[item] = 1
        masked[cases[c].target] = 1
        topK(row, keep, masked).forEach(({ index, score }, j) => {
          items[c * keep + j] = index
          probs[c * keep + j] = score
        })
        for (const item of cases[c].history) masked[item] = 0
        masked[cases[c].target] = 0
      })
    }
    return { items, probs, target }
  })
  const mixed = new Float32Array(numItems)
  const isTouched = new Uint8Array(numItems)
  const touched: number[] = []
  return (weights) => {
    const total = weights.reduce((a, b) => a + b, 0)
    if (total === 0) return -Infinity
    let sum = 0
    for (let c = 0; c < cases.length; c++) {
      let targetScore = 0
      weights.forEach((w, m) => {
        if (w === 0) return
        const share = w / total
        targetScore += share * kept[m].target[c]
        for (let j = c * keep; j < (c + 1) * keep; j++) {
          const item = kept[m].items[j]
          if (item < 0) break
          if (isTouched[item] === 0) {
            isTouched[item] = 1
            touched.push(item)
          }
          mixed[item] += share * kept[m].probs[j]
        }
      })
      let rank = 1
      for (const item of touched) {
        if (mixed[item] >= targetScore) rank++
        mixed[item] = 0
        isTouched[item] = 0
      }
      touched.length = 0
      sum += ndcgAtK(rank, k)
    }
    return cases.length === 0 ? 0 : sum / cases.length
  }
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
