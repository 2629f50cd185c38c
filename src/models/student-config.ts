/** The pooling student's shape: what its manifest records and its encoder and trainer read. */
export interface StudentConfig {
  numItems: number
  /** Item embedding width; the item table (numItems x dim) dominates the parameter count. */
  dim: number
  /** How many of the user's most recent items the user vector pools. */
  window: number
  /** One dim x dim linear map (plus bias) after pooling, so history and candidate items may differ. */
  dense: boolean
  /** A per-item score offset (popularity); served as an extra column of the item matrix. */
  itemBias: boolean
  seed: number
}

export const STUDENT_DEFAULTS: Omit<StudentConfig, 'numItems'> = {
  dim: 16, window: 20, dense: true, itemBias: true, seed: 7
}
