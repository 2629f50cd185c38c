import type { CompactMatrix } from '../models/compact-matrix.js'
import { topK } from '../models/top-k.js'

/**
 * Items every user's candidates include, scored exactly: the highest item biases. Measured on
 * 1,000,000 student-shaped items (bench:ann-sweep): every exact top-10 item the graph missed was
 * among the 1,024 highest-bias items, whatever the search breadth (recall held at 0.77 from ef
 * 128 to 1,024): the MIPS transform sets these small-norm items apart from the bulk of the graph.
 */
export const HEAD_ITEMS = 1024

/** The HEAD_ITEMS items of highest bias (the matrix's last column), ascending (all of a smaller catalogue); none without a bias column. */
export function biasHead (matrix: CompactMatrix, hasBias: boolean, size = HEAD_ITEMS): Int32Array {
  if (!hasBias) return new Int32Array(0)
  if (matrix.rows <= size) return Int32Array.from({ length: matrix.rows }, (_, i) => i)
  const unit = new Float32Array(matrix.width)
  unit[matrix.width - 1] = 1
  const bias = new Float32Array(matrix.rows)
  for (let i = 0; i < matrix.rows; i++) bias[i] = matrix.dot(i, unit)
  return Int32Array.from(topK(bias, size), (s) => s.index).sort()
}
