import * as tf from '@tensorflow/tfjs'
import type { Student } from './student.js'
import { studentFamily } from './student-config.js'

export interface WarmStartResult {
  /** Items whose rows came from the previous version. */
  reused: number
  /** Items new to this catalogue, left at their initial values. */
  added: number
}

/**
 * Starts `student` from a previous version's weights: every item row found in both catalogues
 * (by id) is copied, new items keep their fresh initialisation, and the position weights and
 * dense map (an attention student's whole block) are copied whole. Returns null, changing nothing, when the families differ (a
 * pooling student's dense map means nothing to a last-item one) or the shapes do (another width,
 * window, layer set or block shape): the student then trains from scratch.
 */
export function warmStart (student: Student, itemIds: readonly string[], previous: Student, previousIds: readonly string[]): WarmStartResult | null {
  const a = student.config
  const b = previous.config
  if (studentFamily(a) !== studentFamily(b)) return null
  if (a.dim !== b.dim || a.window !== b.window || a.dense !== b.dense || a.itemBias !== b.itemBias) return null
  if (a.heads !== b.heads || a.ffnDim !== b.ffnDim) return null
  const oldIndex = new Map(previousIds.map((id, i) => [id, i]))
  const from = Object.fromEntries(Object.entries(previous.weights()).map(([name, v]) => [name, v.dataSync() as Float32Array]))
  const values: Record<string, tf.Tensor> = {}
  let reused = 0
  try {
    for (const [name, variable] of Object.entries(student.weights())) {
      const data = Float32Array.from(variable.dataSync() as Float32Array)
      if (name === 'items' || name === 'itemBias') {
        const width = name === 'items' ? a.dim : 1
        itemIds.forEach((id, i) => {
          const j = oldIndex.get(id)
          if (j === undefined) return
          data.set(from[name].subarray(j * width, (j + 1) * width), i * width)
          if (name === 'items') reused++
        })
        // the padding row stays as initialised: it is never read
      } else {
        data.set(from[name])
      }
      values[name] = tf.tensor(data, variable.shape)
    }
    student.loadWeights(values)
  } finally {
    tf.dispose(Object.values(values))
  }
  return { reused, added: itemIds.length - reused }
}
