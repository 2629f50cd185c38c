import * as tf from '@tensorflow/tfjs'
import { matMul2d } from '../../tf/matmul.js'

/**
 * Full-softmax cross-entropy of `hidden` [P, d] scored against every item of `items` [M, d],
 * mean over the P positions of -log softmax(hidden · itemsᵀ)[target], computed `chunkRows`
 * positions at a time in both passes: memory holds chunkRows x M logits, never P x M (a teacher
 * batch of 6,400 positions over a 12,101-item catalogue is 310 MB of logits at once, and as much
 * again for their gradient). The gradient recomputes each chunk's softmax instead of keeping it:
 * d/dh = G·items, d/ditems = Gᵀ·h with G = (softmax - onehot) / P. Equal to the unchunked
 * `crossEntropy(matMul(hidden, itemsᵀ), targets)` up to float rounding.
 */
export function chunkedCrossEntropy (hidden: tf.Tensor2D, items: tf.Tensor2D, targets: tf.Tensor1D, chunkRows: number): tf.Scalar {
  if (!(Number.isSafeInteger(chunkRows) && chunkRows >= 1)) throw new RangeError(`chunkRows must be a positive integer, got ${chunkRows}`)
  const rows = hidden.shape[0]
  const numItems = items.shape[0]
  const chunks: Array<[number, number]> = []
  for (let start = 0; start < rows; start += chunkRows) chunks.push([start, Math.min(chunkRows, rows - start)])
  const part = (t: tf.Tensor2D, start: number, size: number): tf.Tensor2D => tf.slice(t, [start, 0], [size, -1])
  const targetsOf = (start: number, size: number): tf.Tensor2D => tf.oneHot(tf.slice(targets, [start], [size]), numItems) as tf.Tensor2D
  const loss = tf.customGrad(((h: tf.Tensor2D, e: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([h, e])
    let total: tf.Tensor = tf.scalar(0)
    for (const [start, size] of chunks) {
      const next = tf.tidy(() => {
        const logits = matMul2d(part(h, start, size), e, false, true)
        const picked = tf.sum(tf.mul(logits, targetsOf(start, size)), 1)
        return tf.add(total, tf.sum(tf.sub(tf.logSumExp(logits, 1), picked)))
      })
      total.dispose()
      total = next
    }
    const value = tf.div(total, Math.max(1, rows)) as tf.Scalar
    total.dispose()
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [hs, es] = saved as [tf.Tensor2D, tf.Tensor2D]
        const scale = tf.div(dy as tf.Tensor, Math.max(1, rows))
        const dh: tf.Tensor2D[] = []
        let de: tf.Tensor2D = tf.zerosLike(es)
        for (const [start, size] of chunks) {
          const [dhChunk, deNext] = tf.tidy(() => {
            const hChunk = part(hs, start, size)
            const g = tf.mul(tf.sub(tf.softmax(matMul2d(hChunk, es, false, true)), targetsOf(start, size)), scale) as tf.Tensor2D
            return [matMul2d(g, es), tf.add(de, matMul2d(g, hChunk, true, false))] as [tf.Tensor2D, tf.Tensor2D]
          })
          dh.push(dhChunk)
          de.dispose()
          de = deNext
        }
        const dhAll = dh.length === 1 ? dh[0] : tf.concat(dh, 0)
        if (dh.length > 1) tf.dispose(dh)
        scale.dispose()
        return [dhAll, de]
      }
    }
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (h: tf.Tensor2D, e: tf.Tensor2D) => tf.Scalar
  return loss(hidden, items)
}
