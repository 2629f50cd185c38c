import * as tf from '@tensorflow/tfjs'
import type { Scorer } from './scorer.js'

/**
 * The trainable-model contract both the teacher and the student honour, besides `Scorer`.
 * Artifacts are `config` (plain JSON) plus `weights()` encoded by name; a model is restored by
 * building it from the same config and calling `loadWeights` with the decoded tensors.
 */
export interface SequenceModel<C extends object = object> extends Scorer {
  readonly kind: 'teacher' | 'student'
  readonly config: Readonly<C>
  /** Every trainable variable under a stable name (not TF.js's process-global variable name). */
  weights (): Record<string, tf.Variable>
  /** Assigns every weight by name; fails with MODEL_WEIGHTS_MISMATCH on a missing name or shape. */
  loadWeights (values: Record<string, tf.Tensor>): void
  paramCount (): number
  /** Estimated floating-point operations (2 per multiply-add) to score all items for one request. */
  flopsPerRequest (): number
  dispose (): void
}

/**
 * Item rows a sparse training step gathered (see SparseEmbedding): `table` [U, dim] and, for each
 * item of the window, its row in `table`. The window's own ids still say where padding is.
 */
export interface GatheredItems {
  table: tf.Tensor2D
  ids: tf.Tensor2D
}

export type ModelErrorCode = 'MODEL_WEIGHTS_MISMATCH' | 'MODEL_CONFIG_INVALID'

export class ModelError extends Error {
  constructor (readonly code: ModelErrorCode, message: string) {
    super(message)
    this.name = 'ModelError'
  }
}

export function countParams (weights: Record<string, tf.Variable>): number {
  let total = 0
  for (const v of Object.values(weights)) total += v.size
  return total
}

/** Shared `loadWeights`: every name present, every shape equal, then assign (all or nothing). */
export function assignWeights (weights: Record<string, tf.Variable>, values: Record<string, tf.Tensor>): void {
  for (const [name, variable] of Object.entries(weights)) {
    const value = values[name]
    if (value === undefined) throw new ModelError('MODEL_WEIGHTS_MISMATCH', `weight ${name} is missing`)
    if (!sameShape(value.shape, variable.shape)) {
      throw new ModelError('MODEL_WEIGHTS_MISMATCH',
        `weight ${name} has shape [${value.shape.join(',')}], expected [${variable.shape.join(',')}]`)
    }
  }
  for (const [name, variable] of Object.entries(weights)) {
    tf.tidy(() => variable.assign(tf.cast(values[name], 'float32')))
  }
}

/** Copies of every weight's values, for keeping the best epoch in memory. */
export function snapshotWeights (weights: Record<string, tf.Variable>): Record<string, tf.Tensor> {
  const copy: Record<string, tf.Tensor> = {}
  for (const [name, variable] of Object.entries(weights)) copy[name] = tf.clone(variable)
  return copy
}

export function requirePositiveInt (name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new ModelError('MODEL_CONFIG_INVALID', `${name} must be a positive integer, got ${value}`)
  }
}

function sameShape (a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i])
}
