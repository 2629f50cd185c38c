import * as tf from '@tensorflow/tfjs'
import { Random } from '../../src/data/random.js'
import { Student } from '../../src/models/student.js'
import type { StudentConfig } from '../../src/models/student-config.js'

/**
 * A student whose every weight (item rows, position weights, dense map, bias) is drawn uniformly
 * from [-1, 1) by `seed`, so no term hides behind an initial value and a copied row cannot pass
 * for a fresh one.
 */
export function randomStudent (options: Partial<StudentConfig> & { numItems: number, seed: number }): Student {
  const student = new Student(options)
  const rng = new Random(options.seed)
  const values = Object.fromEntries(Object.entries(student.weights()).map(([name, v]) =>
    [name, tf.tensor(Float32Array.from({ length: v.size }, () => rng.next() * 2 - 1), v.shape)]))
  student.loadWeights(values)
  tf.dispose(Object.values(values))
  return student
}
