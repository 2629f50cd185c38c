import { TRAINING_DEFAULTS } from '../training-defaults.js'
import type { PositionWeighting } from '../training/position-weights.js'

/** The losses a student can train on, in the order they are listed and read. */
export const LOSS_NAMES = ['task', 'kd', 'ranking', 'hint'] as const

/**
 * Which losses a student run adds up, each with its weight (absent = off). The teacher's losses
 * (kd, ranking, hint) are further multiplied by the schedule's weight for the epoch.
 */
export interface DistillLosses {
  /** Cross-entropy on the true next item over the whole catalogue. */
  task?: { weight: number }
  /**
   * Soft targets on the teacher's top-N at `temperature`; `normalise` as in `supportKl` (default
   * 'support': on ML-100K with a teacher mixed with item-KNN, test NDCG@10 0.126 at T=1 and 0.121
   * at T=2, one seed each, against 0.105 undistilled; 'full' at T=2 lost to no distillation in
   * the 3-seed bench, 0.102 against 0.110).
   */
  kd?: { weight: number, temperature: number, normalise?: 'full' | 'support', weighting?: PositionWeighting }
  /** Ranking distillation on the teacher's top-k; rank weights decay as exp(-rank / lambda). */
  ranking?: { weight: number, k: number, lambda?: number, weighting?: PositionWeighting }
  /** Student item embeddings projected onto the teacher's (needs targets with item embeddings). */
  hint?: { weight: number }
}

/** Whether any of the teacher's losses (kd, ranking, hint) is on. */
export function usesTeacher (losses: DistillLosses): boolean {
  return losses.kd !== undefined || losses.ranking !== undefined || losses.hint !== undefined
}

/** The settings of the losses a run turns on; each one not given is TRAINING_DEFAULTS.student's. */
export interface LossSettings {
  kdWeight?: number
  temperature?: number
  kdNormalise?: 'full' | 'support'
  rankingWeight?: number
  rankingK?: number
  hintWeight?: number
  /** How kd and ranking weigh the training positions (see positionWeights). */
  weighting?: PositionWeighting
}

/**
 * The losses `names` turn on (default TRAINING_DEFAULTS.student.lossNames), with `settings`: how
 * `npm run distill --losses` and a worker run's `losses` become DistillLosses. Names other than
 * LOSS_NAMES are the caller's to refuse; here they turn nothing on.
 */
export function distillLosses (names: readonly string[] = TRAINING_DEFAULTS.student.lossNames, settings: LossSettings = {}): DistillLosses {
  const d = TRAINING_DEFAULTS.student
  const losses: DistillLosses = {}
  if (names.includes('task')) losses.task = { weight: 1 }
  const weighting = settings.weighting ?? d.weighting
  if (names.includes('kd')) losses.kd = { weight: settings.kdWeight ?? d.kdWeight, temperature: settings.temperature ?? d.temperature, normalise: settings.kdNormalise ?? d.kdNormalise, weighting }
  if (names.includes('ranking')) losses.ranking = { weight: settings.rankingWeight ?? d.rankingWeight, k: settings.rankingK ?? d.rankingK, weighting }
  if (names.includes('hint')) losses.hint = { weight: settings.hintWeight ?? d.hintWeight }
  return losses
}

/** The teacher losses' weights times `weight`; at 0 they are dropped and the task loss stays (weight 1 when it was off). */
export function scaleTeacherLosses (losses: DistillLosses, weight: number): DistillLosses {
  if (weight === 1) return losses
  if (weight === 0) return { task: losses.task ?? { weight: 1 } }
  const scaled: DistillLosses = { ...losses }
  if (losses.kd) scaled.kd = { ...losses.kd, weight: losses.kd.weight * weight }
  if (losses.ranking) scaled.ranking = { ...losses.ranking, weight: losses.ranking.weight * weight }
  if (losses.hint) scaled.hint = { ...losses.hint, weight: losses.hint.weight * weight }
  return scaled
}
