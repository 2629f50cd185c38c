import { join } from 'node:path'
import type * as tf from '@tensorflow/tfjs'
import { invalid } from './artifact-error.js'
import { loadArtifact, type LoadedArtifact } from './load.js'
import { saveArtifact } from './save.js'
import type { ArtifactManifest, TeacherProvenance } from './manifest.js'
import { buildAnnIndex } from '../ann/ann-index.js'
import { ANN_MIN_ITEMS_DEFAULT, type AnnParams } from '../ann/ann-params.js'
import type { SequenceModel } from '../sequence-model.js'
import { Student, type StudentConfig } from '../student.js'
import { Teacher, type TeacherConfig } from '../teacher.js'
import type { StudentSelection } from '../student-selection.js'

export interface SaveModelOptions {
  /** External item ids in dense-index order; their count must be the model's numItems. */
  itemIds: readonly string[]
  datasetFingerprint: string
  metrics?: Readonly<Record<string, number>>
  teacherVersion?: number | null
  /** A distilled student's teacher: where it came from and its checksum. */
  teacher?: TeacherProvenance | null
  backend?: string
  /** Save as exactly this version (see SaveArtifactOptions.version). */
  version?: number
  rejected?: { reason: string }
  curves?: ReadonlyArray<object>
  /** A student of at least this many items is saved with an ANN index over its item matrix (ann.bin). */
  annMinItems?: number
  /** An index the caller built over this model's item matrix (a bench reusing one), saved instead of building it. */
  ann?: { bytes: Uint8Array, params: AnnParams }
  /** How `--student auto` chose this student's family. */
  selection?: StudentSelection
}

export interface LoadedModel<M> {
  model: M
  manifest: ArtifactManifest
  itemIds: string[]
  dir: string
}

/** Saves a teacher or student as the next version of its role (config + named weights). */
export async function saveModel (modelsDir: string, model: SequenceModel & { config: { numItems: number } }, options: SaveModelOptions): Promise<{ version: number, dir: string }> {
  if (options.itemIds.length !== model.config.numItems) {
    throw new RangeError(`${options.itemIds.length} item ids for a model of ${model.config.numItems} items`)
  }
  const annMinItems = options.annMinItems ?? ANN_MIN_ITEMS_DEFAULT
  // built where the version is saved (the lab, the training thread), never on a serving loop
  const ann = options.ann ?? (model instanceof Student && model.numItems >= annMinItems ? buildAnnIndex(model.itemMatrix(), model.servingDim) : undefined)
  return await saveArtifact(modelsDir, {
    ann,
    role: model.kind,
    weights: model.weights(),
    config: model.config,
    itemIds: options.itemIds,
    datasetFingerprint: options.datasetFingerprint,
    metrics: options.metrics,
    teacherVersion: options.teacherVersion ?? null,
    teacher: options.teacher ?? null,
    backend: options.backend,
    version: options.version,
    rejected: options.rejected,
    curves: options.curves,
    selection: options.selection
  })
}

/** Loads a teacher version (latest when omitted); the caller owns and must dispose the model. */
export async function loadTeacher (modelsDir: string, version?: number): Promise<LoadedModel<Teacher>> {
  return await restore(await loadArtifact<TeacherConfig>(modelsDir, 'teacher', version), (c) => new Teacher(c))
}

/** Loads a student version (latest when omitted); the caller owns and must dispose the model. */
export async function loadStudent (modelsDir: string, version?: number): Promise<LoadedModel<Student>> {
  return await restoreStudent(await loadArtifact<StudentConfig>(modelsDir, 'student', version))
}

/** A student from an already read artifact (from disk or Redis); its weights are disposed either way. */
export async function restoreStudent (artifact: LoadedArtifact<StudentConfig>): Promise<LoadedModel<Student>> {
  return await restore(artifact, (c) => new Student(c, { zeros: true }))
}

/**
 * Builds the model from the saved config and assigns the saved weights; a config the model
 * refuses, or weights that do not fit it, make the version invalid (ArtifactError naming model.json).
 */
async function restore<C extends { numItems: number }, M extends SequenceModel> (
  artifact: LoadedArtifact<C>,
  build: (config: C) => M
): Promise<LoadedModel<M>> {
  const file = join(artifact.dir, 'model.json')
  let model: M | undefined
  try {
    if (artifact.config.numItems !== artifact.itemIds.length) {
      throw invalid(file, `config.numItems is ${artifact.config.numItems} but items.json holds ${artifact.itemIds.length} items`)
    }
    try {
      model = build(artifact.config)
      model.loadWeights(artifact.weights)
    } catch (err) {
      model?.dispose()
      throw invalid(file, `does not fit the ${artifact.manifest.role} model: ${(err as Error).message}`, err)
    }
    return { model, manifest: artifact.manifest, itemIds: artifact.itemIds, dir: artifact.dir }
  } finally {
    disposeAll(artifact.weights)
  }
}

function disposeAll (weights: Record<string, tf.Tensor>): void {
  for (const t of Object.values(weights)) t.dispose()
}
