import type * as tf from '@tensorflow/tfjs'
import type { SparseEmbedding } from '../../tf/sparse-embedding.js'

/** Windows of at most maxLen inputs cut from the end of each sequence; targets are the next items. */
export interface Window { user: number, start: number, stop: number }

/** What a step's loss needs beyond its windows: the batch's shared negatives and how to compute the softmax. */
export interface StepLoss {
  /** Sampled softmax: the negatives every position of the batch shares, and each item's log expected count. */
  negatives?: Int32Array
  logQ?: Float32Array
  /** gBCE instead of the sampled softmax: the positive's exponent (see gbceBeta). */
  beta?: number
  /** Full softmax: positions per chunk (see chunkedCrossEntropy). */
  chunkRows: number
}

/**
 * Data-parallel teacher steps, as trainTeacher uses them: each step's batch is split among
 * threads and `optimizer` applies the position-weighted mean of their gradients. Its own file so
 * that trainTeacher needs no thread code (ThreadGradientPool implements it and calls trainTeacher).
 */
export interface GradientPool {
  /** Threads in all, the main thread included. */
  readonly threads: number
  /**
   * One training step over `batch`; returns the batch's mean loss and its positions. With
   * `sparse`, the item table is not among `optimizer`'s weights: the rows the batch touches are
   * shared with the threads and updated by `sparse.embedding`'s lazy Adam at `learningRate`.
   */
  step: (optimizer: tf.Optimizer, batch: readonly Window[], stepLoss: StepLoss, seed: number, sparse?: SparseItems) => { loss: number, rows: number }
}

export interface SparseItems {
  embedding: SparseEmbedding
  learningRate: number
}
