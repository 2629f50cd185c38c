import { setImmediate as yieldToLoop } from 'node:timers/promises'
import type { Logger } from 'pino'
import { ArtifactError, directoryFiles, listVersions, readArtifact, readVersionState, versionDir, type ArtifactFiles } from '../models/artifact/index.js'
import { restoreStudent } from '../models/artifact/model-io.js'
import { AnnIndex } from '../models/ann/ann-index.js'
import type { MatrixPrecision } from '../models/compact-matrix.js'
import type { StudentConfig } from '../models/student.js'
import type { ModelStore } from '../stores/model-store.js'
import { PopularityScorer } from '../models/popularity.js'
import { publishLoaded, storeFiles, studentFiles } from '../versions/version-files.js'
import { loadOrder } from '../versions/version-list.js'
import { PopularRanking } from './popular-ranking.js'
import { StudentServable, type BatchOptions } from './student-servable.js'

/** How often each item id occurred: what popularity and cold users are served from. */
export type ItemCounts = ReadonlyMap<string, number>

export interface LoadStudentOptions {
  modelsDir: string
  /** The version recorded as active for every replica (a pin or a rollback): tried first. */
  preferred?: number
  /** Versions published by other replicas; also where a version loaded from disk is published. */
  store?: ModelStore
  counts: ItemCounts
  batch: BatchOptions
  /** Catalogues of at least this many items are served from the version's ANN index (ANN_MIN_ITEMS). */
  annMinItems?: number
  /** ITEM_MATRIX_PRECISION; float32 when omitted. */
  precision?: MatrixPrecision
  log: Logger
}

/**
 * The newest student version that validates, from the models directory or the model store,
 * or undefined when there is none (popularity serves then). A refused version is logged with
 * the reason and the next older one is tried. A version loaded from disk is published to the
 * store, so replicas without it can load it.
 */
export async function loadNewestStudent (options: LoadStudentOptions): Promise<StudentServable | undefined> {
  const { modelsDir, store, log } = options
  const onDisk = listVersions(modelsDir, 'student')
  let published: number[] = []
  if (store !== undefined) {
    try {
      published = await store.versions('student')
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'model store unavailable: loading from the models directory only')
    }
  }
  for (const version of loadOrder([...onDisk, ...published], options.preferred)) {
    const fromDisk = onDisk.includes(version)
    const rejected = fromDisk ? readVersionState(versionDir(modelsDir, 'student', version)) : null
    if (rejected !== null) {
      log.info({ version, reason: rejected.reason }, 'student version skipped: rejected by the validation gate')
      continue
    }
    try {
      const files = fromDisk ? directoryFiles(versionDir(modelsDir, 'student', version)) : await storeFiles(store, version)
      const servable = await loadStudentVersion(files, version, options)
      log.info({ version, source: fromDisk ? 'disk' : 'store', items: servable.items.size, retrieval: servable.retrieval }, 'student version loaded')
      if (fromDisk && store !== undefined && !published.includes(version)) await publishLoaded(store, files, version, log)
      return servable
    } catch (err) {
      if (!(err instanceof ArtifactError) && !(err instanceof RangeError)) throw err
      log.warn({ version, source: fromDisk ? 'disk' : 'store', reason: err.message }, 'student version refused; trying the next older one')
    }
  }
  return undefined
}

export async function loadStudentVersion (files: ArtifactFiles, version: number, { counts, batch, annMinItems = Infinity, precision, log }: Pick<LoadStudentOptions, 'counts' | 'batch' | 'annMinItems' | 'precision'> & { log?: Logger }): Promise<StudentServable> {
  const artifact = await readArtifact<StudentConfig>(files, 'student', version)
  const useAnn = artifact.itemIds.length >= annMinItems
  if (useAnn && artifact.ann === null) log?.warn({ version, items: artifact.itemIds.length, annMinItems }, 'student version has no ANN index: scoring every item')
  // each step of a large version holds the loop for a while: requests get a turn between them
  await yieldToLoop()
  const { model, itemIds } = await restoreStudent(artifact)
  await yieldToLoop()
  let encoder
  try {
    encoder = model.encoder()
  } finally {
    model.dispose()
  }
  await yieldToLoop()
  const popular = new PopularRanking(PopularityScorer.fromCounts(itemIds.map((id) => counts.get(id) ?? 0)))
  // checksum verified by readArtifact; a malformed or mismatched index refuses the version
  const ann = useAnn && artifact.ann !== null ? await openIndex(artifact.ann, files.where) : undefined
  await yieldToLoop()
  try {
    return new StudentServable({ version, itemIds, encoder, popular, batch, ann, precision })
  } catch (err) {
    ann?.dispose()
    throw err
  }
}

async function openIndex ({ bytes, params }: { bytes: Uint8Array, params: AnnIndex['params'] }, where: string): Promise<AnnIndex> {
  try {
    return await AnnIndex.open(bytes, params)
  } catch (err) {
    throw new ArtifactError('ARTIFACT_INVALID', `${where}/ann.bin: cannot be loaded (${(err as Error).message})`, { cause: err })
  }
}

/**
 * One version by number, for a swap: from the models directory when it is there, else from the
 * model store; published to the store when it came from disk. Throws when it cannot be loaded.
 */
export async function loadAnnouncedStudent (version: number, options: LoadStudentOptions): Promise<StudentServable> {
  const { store, log } = options
  const { files, fromDisk } = await studentFiles(version, options)
  const servable = await loadStudentVersion(files, version, options)
  if (fromDisk && store !== undefined) await publishLoaded(store, files, version, log)
  return servable
}
