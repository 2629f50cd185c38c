import * as tf from '@tensorflow/tfjs'

/**
 * Row lookup `table[ids]` whose gradient is a dense `scatterND` into the table's shape
 * (rows picked twice accumulate). `tf.gather`'s own gradient needs the UnsortedSegmentSum kernel,
 * which the wasm backend lacks; ScatterNd it has. The forward pass is GatherNd, which wasm runs
 * about 10x faster than GatherV2.
 *
 * `table` is [rows, ...rest]; `ids` is int32 of any shape; the result is [...ids.shape, ...rest].
 * Only `table` receives a gradient.
 */
export function lookupRows (table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  return tf.tidy(() => gatherRowsFn(table, tf.expandDims(ids, -1)))
}

const gatherRowsFn = tf.customGrad(((table: tf.Tensor, indices: tf.Tensor, save: tf.GradSaveFunc) => {
  save([indices])
  const tableShape = table.shape
  return {
    value: tf.gatherND(table, indices),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [savedIndices] = saved
      const grad = tf.scatterND(savedIndices, dy as tf.Tensor, tableShape)
      // indices are integers: they get a zero gradient so customGrad's shape check is satisfied
      return [grad, tf.zerosLike(savedIndices)]
    }
  }
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (table: tf.Tensor, indices: tf.Tensor) => tf.Tensor

/**
 * Per-row column pick: `out[p][n] = matrix[p][cols[p][n]]` for `matrix` [P, M] and int32 `cols`
 * [P, N], trainable on wasm (it goes through `lookupRows` on the flattened matrix).
 */
export function lookupColumns (matrix: tf.Tensor2D, cols: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows, width] = matrix.shape
    const offsets = tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(width, 'int32')).expandDims(1)
    const flatIds = tf.add(cols, offsets)
    const picked = lookupRows(tf.reshape(matrix, [rows * width, 1]), flatIds)
    return tf.reshape(picked, cols.shape) as tf.Tensor2D
  })
}
