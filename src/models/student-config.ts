/**
 * The student families: how a history becomes the input of the dense layer. Every family keeps
 * the pooling student's item matrix, so retrieval, caching and the micro-batcher serve any of them.
 *   pooling    the recency-weighted pool of the window (dim inputs);
 *   last-item  that pool concatenated with the last item's embedding (2 x dim inputs), so the
 *              dense layer can carry what follows the last item (transitions) at dim x dim more weights.
 */
export const STUDENT_FAMILIES = ['pooling', 'last-item'] as const
export type StudentFamily = typeof STUDENT_FAMILIES[number]

/** The student's shape: what its manifest records and its encoder and trainer read. */
export interface StudentConfig {
  /** Absent (in manifests written before families existed, and in older callers' configs): `pooling`. */
  family?: StudentFamily
  numItems: number
  /** Item embedding width; the item table (numItems x dim) dominates the parameter count. */
  dim: number
  /** How many of the user's most recent items the user vector pools. */
  window: number
  /** One (inputs x dim) x dim linear map (plus bias) after pooling, so history and candidate items may differ; last-item needs it. */
  dense: boolean
  /** A per-item score offset (popularity); served as an extra column of the item matrix. */
  itemBias: boolean
  seed: number
}

export const STUDENT_DEFAULTS: Required<Omit<StudentConfig, 'numItems'>> = {
  family: 'pooling', dim: 16, window: 20, dense: true, itemBias: true, seed: 7
}

/** A config's family, `pooling` when it names none. */
export function studentFamily (config: Pick<StudentConfig, 'family'>): StudentFamily {
  return config.family ?? 'pooling'
}

/** How many dim-wide vectors the family feeds the dense layer. */
export function denseInputs (config: Pick<StudentConfig, 'family'>): number {
  return studentFamily(config) === 'last-item' ? 2 : 1
}

/** Why `config` cannot be built: a family this code does not know, or a last-item student without the dense layer (its two inputs need the map to one vector). */
export function familyProblem (config: Pick<Partial<StudentConfig>, 'family' | 'dense'>): string | undefined {
  const family = studentFamily(config)
  if (!(STUDENT_FAMILIES as readonly string[]).includes(family)) return `student family ${JSON.stringify(family)} is not one of ${STUDENT_FAMILIES.join(', ')}`
  if (family === 'last-item' && !(config.dense ?? STUDENT_DEFAULTS.dense)) return 'a last-item student needs the dense layer (it maps the pool and the last item to one vector)'
  return undefined
}

/** Throws familyProblem's reason as a RangeError. */
export function checkFamily (config: Pick<Partial<StudentConfig>, 'family' | 'dense'>): void {
  const problem = familyProblem(config)
  if (problem !== undefined) throw new RangeError(problem)
}

/**
 * A saved config completed with the defaults and checked as the Student constructor checks it
 * (RangeError naming the fault), without TF.js: what a loading thread builds an encoder from.
 */
export function completeStudentConfig (config: Partial<StudentConfig> & { numItems: number }): Readonly<Required<StudentConfig>> {
  const c = { ...STUDENT_DEFAULTS, ...config }
  for (const key of ['numItems', 'dim', 'window'] as const) {
    if (!Number.isInteger(c[key]) || c[key] <= 0) throw new RangeError(`${key} must be a positive integer, got ${c[key]}`)
  }
  checkFamily(c)
  return Object.freeze(c)
}

/** The shape of each of the student's weights, by the names `Student.weights()` uses. */
export function studentWeightShapes (config: Required<StudentConfig>): Record<string, number[]> {
  const { numItems, dim, window, dense, itemBias } = config
  return {
    items: [numItems + 1, dim],
    positionWeights: [window],
    ...(dense ? { denseKernel: [denseInputs(config) * dim, dim], denseBias: [dim] } : {}),
    ...(itemBias ? { itemBias: [numItems] } : {})
  }
}
