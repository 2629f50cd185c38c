/**
 * The contract every recommender honours, from a popularity count to the teacher:
 * given users' recent items (dense indices, oldest first), score every item.
 * Evaluation, distillation targets and serving all go through it.
 */
export interface Scorer {
  readonly name: string
  readonly numItems: number
  /**
   * One row of `numItems` scores per history; higher is better.
   * `users` (dense user indices, same order) is optional context for scorers that use it.
   */
  scoreBatch (histories: readonly Int32Array[], users?: readonly number[]): Float32Array[]
}
