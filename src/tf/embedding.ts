import * as tf from '@tensorflow/tfjs'

/**
 * Row lookup `table[ids]` whose gradient is a dense `scatterND` into the table's shape
 * (rows picked twice accumulate). `tf.gather`'s own gradient needs the UnsortedSegmentSum kernel,
 * which the wasm backend lacks; ScatterNd it has.
 *
 * `table` is [rows, ...rest]; `ids` is int32 of any shape; the result is [...ids.shape, ...rest].
 * Only `table` receives a gradient.
 */
export function lookupRows (table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const flatIds = ids.rank === 1 ? ids : tf.reshape(ids, [-1])
  const rows = gatherRowsFn(table, flatIds)
  if (ids.rank === 1) return rows
  const out = tf.reshape(rows, [...ids.shape, ...table.shape.slice(1)])
  flatIds.dispose()
  rows.dispose()
  return out
}

const gatherRowsFn = tf.customGrad(((table: tf.Tensor, ids: tf.Tensor, save: tf.GradSaveFunc) => {
  save([ids])
  const tableShape = table.shape
  return {
    value: tf.gather(table, ids),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [savedIds] = saved
      const grad = tf.tidy(() => tf.scatterND(tf.expandDims(savedIds, 1), dy as tf.Tensor, tableShape))
      // ids are integers: they get a zero gradient so customGrad's shape check is satisfied
      return [grad, tf.zerosLike(savedIds)]
    }
  }
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (table: tf.Tensor, ids: tf.Tensor) => tf.Tensor

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
