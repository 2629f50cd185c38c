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
  kd?: { weight: number, temperature: number, normalise?: 'full' | 'support' }
  /** Ranking distillation on the teacher's top-k; rank weights decay as exp(-rank / lambda). */
  ranking?: { weight: number, k: number, lambda?: number }
  /** Student item embeddings projected onto the teacher's (needs targets with item embeddings). */
  hint?: { weight: number }
}

/** Whether any of the teacher's losses (kd, ranking, hint) is on. */
export function usesTeacher (losses: DistillLosses): boolean {
  return losses.kd !== undefined || losses.ranking !== undefined || losses.hint !== undefined
}
