import type { Logger } from 'pino'
import { ArtifactError, directoryFiles, listVersions, readVersionState, versionDir, type ArtifactFiles } from '../models/artifact/index.js'
import { AnnIndex } from '../models/ann/ann-index.js'
import { removeIndexFile } from '../models/ann/index-file.js'
import { CompactMatrix, type MatrixPrecision } from '../models/compact-matrix.js'
import { StudentEncoder } from '../models/student-encoder.js'
import type { ModelStore } from '../stores/model-store.js'
import { publishLoaded, storeFiles, studentFiles } from '../versions/version-files.js'
import { loadOrder } from '../versions/version-list.js'
import { PopularRanking } from './popular-ranking.js'
import { StudentServable, type BatchOptions } from './student-servable.js'
import { loadStudentParts } from './load-student-parts.js'
import type { StudentParts } from './student-parts.js'
import type { UserHistory } from './user-history.js'

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
  /** Versions of at least this many items are read and prepared in a thread (THREAD_MIN_ITEMS, 20,000, when omitted). */
  threadMinItems?: number
  /** Given the dataset -> version table of a version that the loading thread computed (with packed counts). */
  history?: Pick<UserHistory, 'adopt'>
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

/**
 * Loads and validates one version into a servable without holding the event loop for long: the
 * reading, checks and preparation run in a thread for a large version (load-student-parts.ts);
 * here the parts are only put together (no copy of a large array, no TF.js for an ANN version).
 * Throws ArtifactError (or RangeError) when the version is refused; nothing is left behind.
 */
export async function loadStudentVersion (files: ArtifactFiles, version: number, { counts, batch, annMinItems = Infinity, precision = 'float32', threadMinItems, history, log }: Pick<LoadStudentOptions, 'counts' | 'batch' | 'annMinItems' | 'precision' | 'threadMinItems' | 'history'> & { log?: Logger }): Promise<StudentServable> {
  const { parts, items, popular, translation } = await loadStudentParts(files, version, { counts, annMinItems, precision, threadMinItems })
  if (translation !== undefined) history?.adopt(items, translation.from, translation.table)
  if (parts.annMissing) log?.warn({ version, items: items.size, annMinItems }, 'student version has no ANN index: scoring every item')
  let ann: AnnIndex | undefined
  try {
    // the thread verified the index's checksum and opened it: a malformed index refused the version there
    if (parts.annFile !== undefined) ann = mapIndex(parts.annFile, files.where)
    return new StudentServable({
      version,
      itemIds: items,
      encoder: new StudentEncoder(parts.config, parts.weights, { finiteChecked: true }),
      popular: new PopularRanking(popular),
      batch,
      ann,
      matrix: new CompactMatrix(parts.matrix),
      head: parts.head
    })
  } catch (err) {
    if (ann !== undefined) ann.dispose()
    else if (parts.annFile !== undefined) removeIndexFile(parts.annFile.file).catch(() => {})
    throw err
  }
}

function mapIndex ({ file, params, size }: NonNullable<StudentParts['annFile']>, where: string): AnnIndex {
  try {
    // checked where the parts were read (a loading thread for a large version): mapped here only if this thread must search
    return AnnIndex.deferred(file, params, size)
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
