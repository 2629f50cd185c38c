import type { EnsembleMember } from './fit-ensemble.js'
import { ItemKnnScorer } from '../../models/item-knn.js'
import { MarkovChainScorer } from '../../models/markov-chain.js'
import { PopularityScorer } from '../../models/popularity.js'
import type { Scorer } from '../../models/scorer.js'

/** Logit of each baseline's best item in an ensemble unless told otherwise (distill --ensemble-sharpness, the worker). */
export const DEFAULT_ENSEMBLE_SHARPNESS = 5

/**
 * The members an ensemble teacher is fitted from: the given teacher (its scores are logits) and the
 * simple baselines on the same training data (their counts and votes scaled by `sharpness`), so
 * the fitted mixture is never below the best of them on validation.
 */
export function ensembleMembers (data: { train: readonly Int32Array[], numItems: number }, sharpness: number, teacher?: Scorer): EnsembleMember[] {
  const baselines = [new MarkovChainScorer(data), new ItemKnnScorer(data), new PopularityScorer(data)]
  return [...(teacher === undefined ? [] : [{ scorer: teacher }]), ...baselines.map((scorer) => ({ scorer, sharpness }))]
}
