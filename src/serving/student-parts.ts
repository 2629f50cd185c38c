import { join } from 'node:path'
import { AnnIndex } from '../models/ann/ann-index.js'
import { invalid } from '../models/artifact/artifact-error.js'
import type { ArtifactFiles } from '../models/artifact/read-parts.js'
import { readStudentValues } from '../models/artifact/read-student.js'
import type { AnnParams } from '../models/ann/ann-params.js'
import { writeIndexFile, type IndexFile } from '../models/ann/index-file.js'
import { CompactMatrix, type CompactMatrixParts, type MatrixPrecision } from '../models/compact-matrix.js'
import type { CompleteStudentConfig } from '../models/student-config.js'
import type { StudentWeightValues } from '../models/student-encoder.js'
import { biasHead } from './bias-head.js'

export interface StudentPartsOptions {
  /** Catalogues of at least this many items are served from the version's ANN index (ANN_MIN_ITEMS). */
  annMinItems: number
  /** ITEM_MATRIX_PRECISION. */
  precision: MatrixPrecision
}

/** Everything a StudentServable is made of that takes time to compute, as plain arrays (transferable between threads). */
export interface StudentParts {
  config: Readonly<CompleteStudentConfig>
  itemIds: string[]
  /** Validated: the shapes the config implies, every value finite. */
  weights: StudentWeightValues
  /** The serving item matrix at its precision. */
  matrix: CompactMatrixParts
  /** ANN only: the highest-bias items added to every query's candidates (ann-ranker.ts). */
  head?: Int32Array
  /** ANN only: the verified index bytes in a private temp file, opened and checked here (AnnIndex.check: `size`), to serve with AnnIndex.deferred; whoever holds this removes it. */
  annFile?: { file: IndexFile, params: AnnParams, size: number }
  /** The catalogue is at least annMinItems, but the version was saved without an index. */
  annMissing: boolean
}

/**
 * Reads and validates a student version (readStudentValues: every check restoring the TF.js
 * Student makes) and computes what serving it needs: the item matrix at its precision, the bias
 * head and the index file. Runs as well in a loading thread (load-thread.ts) as on the event loop
 * (small versions). Throws ArtifactError naming the file and the fault.
 */
export async function readStudentParts (files: ArtifactFiles, version: number, { annMinItems, precision }: StudentPartsOptions): Promise<StudentParts> {
  const { artifact, config, weights, encoder } = await readStudentValues(files, version)
  const { itemIds } = artifact
  const useAnn = itemIds.length >= annMinItems
  const matrix = new CompactMatrix(encoder.itemMatrix(), encoder.servingDim, precision)
  const parts: StudentParts = { config, itemIds, weights, matrix: matrix.parts(), annMissing: useAnn && artifact.ann === null }
  if (useAnn && artifact.ann !== null) {
    parts.head = biasHead(matrix, config.itemBias)
    const file = await writeIndexFile(artifact.ann.bytes)
    const { params } = artifact.ann
    let size: number
    try {
      size = AnnIndex.check(file, params)
    } catch (err) {
      throw invalid(join(files.where, 'ann.bin'), `cannot be loaded (${(err as Error).message})`, err)
    }
    parts.annFile = { file, params, size }
  }
  return parts
}
