import type { StudentEncoder } from '../../src/models/student-encoder.js'

/** The served score: user vector · the item's row of the item matrix (bias column included). */
export function servedScore (encoder: StudentEncoder, history: Int32Array, item: number): number {
  const user = encoder.encode(history)
  const matrix = encoder.itemMatrix()
  let sum = 0
  for (let d = 0; d < encoder.servingDim; d++) sum += user[d] * matrix[item * encoder.servingDim + d]
  return sum
}
