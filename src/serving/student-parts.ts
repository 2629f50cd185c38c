import { join } from 'node:path'
import { ArtifactError, invalid } from '../models/artifact/artifact-error.js'
import { readArtifactParts, type ArtifactFiles } from '../models/artifact/read-parts.js'
import { weightValues } from '../models/artifact/weight-specs.js'
import type { AnnParams } from '../models/ann/ann-params.js'
import { writeIndexFile, type IndexFile } from '../models/ann/index-file.js'
import { CompactMatrix, type CompactMatrixParts, type MatrixPrecision } from '../models/compact-matrix.js'
import { completeStudentConfig, studentWeightShapes, type StudentConfig } from '../models/student-config.js'
import { StudentEncoder, type StudentWeightValues } from '../models/student-encoder.js'
import { biasHead } from './ann-ranker.js'

export interface StudentPartsOptions {
  /** Catalogues of at least this many items are served from the version's ANN index (ANN_MIN_ITEMS). */
  annMinItems: number
  /** ITEM_MATRIX_PRECISION. */
  precision: MatrixPrecision
}

/** Everything a StudentServable is made of that takes time to compute, as plain arrays (transferable between threads). */
export interface StudentParts {
  config: Readonly<Required<StudentConfig>>
  itemIds: string[]
  /** Validated: the shapes the config implies, every value finite. */
  weights: StudentWeightValues
  /** The serving item matrix at its precision. */
  matrix: CompactMatrixParts
  /** ANN only: the highest-bias items added to every query's candidates (ann-ranker.ts). */
  head?: Int32Array
  /** ANN only: the verified index bytes in a private temp file, to memory-map (AnnIndex.map); whoever holds this removes it. */
  annFile?: { file: IndexFile, params: AnnParams }
  /** The catalogue is at least annMinItems, but the version was saved without an index. */
  annMissing: boolean
}

/**
 * Reads and validates a student version and computes what serving it needs, without TF.js: the
 * artifact checks of readArtifactParts, then the checks restoring the Student would make (config,
 * weight names and shapes, finite values), then the item matrix at its precision, the bias head
 * and the index file. Runs as well in a loading thread (load-thread.ts) as on the event loop
 * (small versions). Throws ArtifactError naming the file and the fault.
 */
export async function readStudentParts (files: ArtifactFiles, version: number, { annMinItems, precision }: StudentPartsOptions): Promise<StudentParts> {
  const artifact = await readArtifactParts(files, 'student', version)
  const modelFile = join(files.where, 'model.json')
  const { itemIds } = artifact
  const numItems = (artifact.manifest.config as { numItems?: unknown }).numItems
  if (numItems !== itemIds.length) throw invalid(modelFile, `config.numItems is ${String(numItems)} but items.json holds ${itemIds.length} items`)
  let config: Readonly<Required<StudentConfig>>
  let weights: StudentWeightValues
  let encoder: StudentEncoder
  try {
    config = completeStudentConfig(artifact.manifest.config as unknown as StudentConfig)
    const shapes = studentWeightShapes(config)
    for (const [name, shape] of Object.entries(shapes)) {
      const spec = artifact.specs.find((s) => s.name === name)
      if (spec === undefined) throw new RangeError(`weight ${name} is missing`)
      if (spec.shape.length !== shape.length || spec.shape.some((d, i) => d !== shape[i])) {
        throw new RangeError(`weight ${name} has shape [${spec.shape.join(',')}], expected [${shape.join(',')}]`)
      }
    }
    // the weights the student has; others in the file are ignored, as restoring the Student ignores them
    const values = weightValues(artifact.data, artifact.specs)
    weights = Object.fromEntries(Object.keys(shapes).map((name) => [name, values[name]])) as unknown as StudentWeightValues
    encoder = new StudentEncoder(config, weights)
  } catch (err) {
    if (err instanceof ArtifactError) throw err
    throw invalid(modelFile, `does not fit the student model: ${(err as Error).message}`, err)
  }
  const useAnn = itemIds.length >= annMinItems
  const matrix = new CompactMatrix(encoder.itemMatrix(), encoder.servingDim, precision)
  const parts: StudentParts = { config, itemIds, weights, matrix: matrix.parts(), annMissing: useAnn && artifact.ann === null }
  if (useAnn && artifact.ann !== null) {
    parts.head = biasHead(matrix, config.itemBias)
    parts.annFile = { file: await writeIndexFile(artifact.ann.bytes), params: artifact.ann.params }
  }
  return parts
}
