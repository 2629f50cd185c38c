import { attentionWeightShapes } from './latest-attention-shape.js'

/**
 * The student families: how a history becomes the input of the dense layer. Every family keeps
 * the pooling student's item matrix, so retrieval, caching and the micro-batcher serve any of them.
 *   pooling    the recency-weighted pool of the window (dim inputs);
 *   last-item  that pool concatenated with the last item's embedding (2 x dim inputs), so the
 *              dense layer can carry what follows the last item (transitions) at dim x dim more weights;
 *   attention  one pre-norm causal self-attention block over the window (learned positions counted
 *              back from the newest item, `heads` heads, a ReLU feed-forward of `ffnDim`, layer
 *              norms as the teacher's), read at the latest position only (see latest-attention.ts).
 */
export const STUDENT_FAMILIES = ['pooling', 'last-item', 'attention'] as const
export type StudentFamily = typeof STUDENT_FAMILIES[number]

/** The student's shape: what its manifest records and its encoder and trainer read. */
export interface StudentConfig {
  /** Absent (in manifests written before families existed, and in older callers' configs): `pooling`. */
  family?: StudentFamily
  numItems: number
  /** Item embedding width; the item table (numItems x dim) dominates the parameter count. */
  dim: number
  /** How many of the user's most recent items the user vector pools (or, for attention, attends to). */
  window: number
  /** One (inputs x dim) x dim linear map (plus bias) after pooling, so history and candidate items may differ; last-item needs it. */
  dense: boolean
  /** A per-item score offset (popularity); served as an extra column of the item matrix. */
  itemBias: boolean
  seed: number
  /** Attention heads (attention family only; recorded there, absent elsewhere); must divide dim. */
  heads?: number
  /** Width of the block's feed-forward layer (attention family only). */
  ffnDim?: number
}

/** A config with every field that has a default filled in (the attention block's shape stays optional: only that family has one). */
export type CompleteStudentConfig = Required<Omit<StudentConfig, 'heads' | 'ffnDim'>> & Pick<StudentConfig, 'heads' | 'ffnDim'>

export const STUDENT_DEFAULTS: Required<Omit<StudentConfig, 'numItems' | 'heads' | 'ffnDim'>> = {
  family: 'pooling', dim: 16, window: 20, dense: true, itemBias: true, seed: 7
}

/** The attention family's block shape when a config names none: one head, a feed-forward as wide as dim (as the teacher's). */
export const ATTENTION_DEFAULTS = { heads: 1 } as const

/** A config's family, `pooling` when it names none. */
export function studentFamily (config: Pick<StudentConfig, 'family'>): StudentFamily {
  return config.family ?? 'pooling'
}

/** How many dim-wide vectors the family feeds the dense layer. */
export function denseInputs (config: Pick<StudentConfig, 'family'>): number {
  return studentFamily(config) === 'last-item' ? 2 : 1
}

/** The attention block's shape of a config (defaults filled in). */
export function attentionShape (config: Pick<StudentConfig, 'dim' | 'heads' | 'ffnDim'>): { dim: number, heads: number, ffnDim: number } {
  return { dim: config.dim, heads: config.heads ?? ATTENTION_DEFAULTS.heads, ffnDim: config.ffnDim ?? config.dim }
}

/**
 * Why `config` cannot be built: a family this code does not know, a last-item student without the
 * dense layer (its two inputs need the map to one vector), a block shape that does not fit
 * (heads not dividing dim), or a block shape given to a family without a block.
 */
export function familyProblem (config: Pick<Partial<StudentConfig>, 'family' | 'dense' | 'dim' | 'heads' | 'ffnDim'>): string | undefined {
  const family = studentFamily(config)
  if (!(STUDENT_FAMILIES as readonly string[]).includes(family)) return `student family ${JSON.stringify(family)} is not one of ${STUDENT_FAMILIES.join(', ')}`
  if (family === 'last-item' && !(config.dense ?? STUDENT_DEFAULTS.dense)) return 'a last-item student needs the dense layer (it maps the pool and the last item to one vector)'
  if (family !== 'attention') {
    if (config.heads !== undefined || config.ffnDim !== undefined) return `heads and ffnDim shape the attention family's block; a ${family} student has none`
    return undefined
  }
  const { dim, heads, ffnDim } = attentionShape({ dim: config.dim ?? STUDENT_DEFAULTS.dim, heads: config.heads, ffnDim: config.ffnDim })
  for (const [key, value] of [['heads', heads], ['ffnDim', ffnDim]] as const) {
    if (!Number.isInteger(value) || value < 1) return `${key} must be a positive integer, got ${JSON.stringify(value)}`
  }
  if (dim % heads !== 0) return `an attention student's dim ${dim} is not divisible by its ${heads} heads`
  return undefined
}

/** Throws familyProblem's reason as a RangeError. */
export function checkFamily (config: Pick<Partial<StudentConfig>, 'family' | 'dense' | 'dim' | 'heads' | 'ffnDim'>): void {
  const problem = familyProblem(config)
  if (problem !== undefined) throw new RangeError(problem)
}

/**
 * A saved config completed with the defaults and checked as the Student constructor checks it
 * (RangeError naming the fault), without TF.js: what a loading thread builds an encoder from.
 */
export function completeStudentConfig (config: Partial<StudentConfig> & { numItems: number }): Readonly<CompleteStudentConfig> {
  const c = { ...STUDENT_DEFAULTS, ...config }
  for (const key of ['numItems', 'dim', 'window'] as const) {
    if (!Number.isInteger(c[key]) || c[key] <= 0) throw new RangeError(`${key} must be a positive integer, got ${c[key]}`)
  }
  checkFamily(c)
  return Object.freeze(c)
}

/** The shape of each of the student's weights, by the names `Student.weights()` uses. */
export function studentWeightShapes (config: CompleteStudentConfig): Record<string, number[]> {
  const { numItems, dim, window, dense, itemBias } = config
  return {
    items: [numItems + 1, dim],
    ...(studentFamily(config) === 'attention' ? attentionWeightShapes({ ...attentionShape(config), window }) : { positionWeights: [window] }),
    ...(dense ? { denseKernel: [denseInputs(config) * dim, dim], denseBias: [dim] } : {}),
    ...(itemBias ? { itemBias: [numItems] } : {})
  }
}
