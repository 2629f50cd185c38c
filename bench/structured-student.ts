import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { ANN_DEFAULTS, buildAnnIndex } from '../src/models/ann/ann-index.js'
import type { AnnParams } from '../src/models/ann/ann-params.js'
import { Student } from '../src/models/student.js'
import { studentLikeVectors } from './ann-vectors.js'

/**
 * A student of `numItems` items whose item table and bias are the student-shaped vectors of
 * ann-vectors.ts (taste clusters, Zipf bias), so a large catalogue can be served without training
 * one: the dense map is the identity, so a user vector pools cluster directions as a trained one
 * does. The caller disposes it. With `cacheIndex`, its ANN index is built once per size and kept
 * in the OS temp directory (bench:ann-sweep shares the file), as a 1,000,000-item build takes
 * minutes on 2 shared cores.
 */
export function structuredStudent (numItems: number, dim = 16): { student: Student, ann: { bytes: Uint8Array, params: AnnParams } } {
  const { items } = studentLikeVectors(numItems, 0, dim)
  const width = dim + 1
  const table = new Float32Array((numItems + 1) * dim)
  const bias = new Float32Array(numItems)
  for (let i = 0; i < numItems; i++) {
    table.set(items.subarray(i * width, i * width + dim), i * dim)
    bias[i] = items[i * width + dim]
  }
  const student = new Student({ numItems, dim })
  const values = { items: tf.tensor2d(table, [numItems + 1, dim]), itemBias: tf.tensor1d(bias) }
  try {
    student.loadWeights({ ...student.weights(), ...values })
  } finally {
    for (const t of Object.values(values)) t.dispose()
  }
  const params: AnnParams = { library: 'usearch', metric: 'l2sq-mips', dimensions: width + 1, ...ANN_DEFAULTS }
  const cache = join(tmpdir(), `distillrec-ann-${numItems}-${params.connectivity}-${params.expansionAdd}.bin`)
  if (existsSync(cache)) return { student, ann: { bytes: readFileSync(cache), params } }
  process.stderr.write(`building the ANN index of ${numItems} items (cached in ${cache})\n`)
  const built = buildAnnIndex(student.itemMatrix(), width)
  writeFileSync(cache, built.bytes)
  return { student, ann: built }
}
