import { join } from 'node:path'
import { ArtifactError, invalid } from './artifact-error.js'
import { readArtifactParts, type ArtifactFiles, type ArtifactParts } from './read-parts.js'
import { weightValues } from './weight-specs.js'
import { completeStudentConfig, studentWeightShapes, type CompleteStudentConfig, type StudentConfig } from '../student-config.js'
import { StudentEncoder, type StudentWeightValues } from '../student-encoder.js'

/** A student version read and validated without TF.js: its files, its complete config, its weights and their encoder. */
export interface StudentValues {
  artifact: ArtifactParts
  config: Readonly<CompleteStudentConfig>
  /** The shapes the config implies, every value finite. */
  weights: StudentWeightValues
  encoder: StudentEncoder
}

/**
 * Reads a student version and makes every check restoring it as a TF.js Student would make (the
 * artifact's files, the config, the weights' names and shapes, finite values), without TF.js, so
 * that a thread can (a large version is validated and loaded off the serving event loop).
 * Throws ArtifactError (ARTIFACT_INVALID) naming the file and the fault.
 */
export async function readStudentValues (files: ArtifactFiles, version: number): Promise<StudentValues> {
  const artifact = await readArtifactParts(files, 'student', version)
  const modelFile = join(files.where, 'model.json')
  const numItems = (artifact.manifest.config as { numItems?: unknown }).numItems
  if (numItems !== artifact.itemIds.length) throw invalid(modelFile, `config.numItems is ${String(numItems)} but items.json holds ${artifact.itemIds.length} items`)
  try {
    const config = completeStudentConfig(artifact.manifest.config as unknown as StudentConfig)
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
    const weights = Object.fromEntries(Object.keys(shapes).map((name) => [name, values[name]])) as unknown as StudentWeightValues
    return { artifact, config, weights, encoder: new StudentEncoder(config, weights) }
  } catch (err) {
    if (err instanceof ArtifactError) throw err
    throw invalid(modelFile, `does not fit the student model: ${(err as Error).message}`, err)
  }
}
