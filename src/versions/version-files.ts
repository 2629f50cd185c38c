import type { Logger } from 'pino'
import { ARTIFACT_FILES, ArtifactError, directoryFiles, listVersions, readVersionState, versionDir, type ArtifactFileName, type ArtifactFiles } from '../models/artifact/index.js'
import type { ArtifactBlobs, ModelStore } from '../stores/model-store.js'

/** Where student versions are found: this process's models directory and the model store (Redis). */
export interface VersionSources {
  modelsDir: string
  /** Absent in one process without Redis. */
  store?: ModelStore
}

/**
 * Where one student version's files are: its directory, else the model store. Throws an
 * ArtifactError when it is in neither, or was rejected by the validation gate.
 */
export async function studentFiles (version: number, { modelsDir, store }: VersionSources): Promise<{ files: ArtifactFiles, fromDisk: boolean }> {
  const fromDisk = listVersions(modelsDir, 'student').includes(version)
  if (!fromDisk) return { files: await storeFiles(store, version), fromDisk }
  const dir = versionDir(modelsDir, 'student', version)
  const rejected = readVersionState(dir)
  if (rejected !== null) throw new ArtifactError('ARTIFACT_INVALID', `student v${version} was rejected by the validation gate: ${rejected.reason}`)
  return { files: directoryFiles(dir), fromDisk }
}

export async function storeFiles (store: ModelStore | undefined, version: number): Promise<ArtifactFiles> {
  const where = `model store student v${version}`
  if (store === undefined) throw new ArtifactError('ARTIFACT_NOT_FOUND', `student v${version}: not in the models directory, and no model store (REDIS_URL) to load it from`)
  const blobs = await store.files('student', version)
  if (blobs === null) throw new ArtifactError('ARTIFACT_NOT_FOUND', `${where}: not published`)
  return { where, read: async (name) => blobs[name] ?? Buffer.alloc(0) }
}

/** Copies a version's files into the model store; false when it was there already. */
export async function publishFiles (store: ModelStore, files: ArtifactFiles, version: number): Promise<boolean> {
  const blobs = Object.fromEntries(await Promise.all(ARTIFACT_FILES.map(async (name) => [name, await files.read(name)]))) as unknown as ArtifactBlobs
  return await store.publish('student', version, blobs)
}

/** publishFiles for a replica that loaded a version from disk: a failure is logged, not thrown. */
export async function publishLoaded (store: ModelStore, files: ArtifactFiles, version: number, log: Logger): Promise<void> {
  try {
    if (await publishFiles(store, files, version)) log.info({ version }, 'student version published to the model store')
  } catch (err) {
    log.warn({ version, err: (err as Error).message }, 'could not publish the student version; replicas without it keep their own')
  }
}

/** The four files of a version as plain bytes (to hand to the training thread), from disk or the store. */
export async function versionBytes (files: { read: (name: ArtifactFileName) => Promise<Buffer> }): Promise<Record<ArtifactFileName, Uint8Array>> {
  const entries = await Promise.all(ARTIFACT_FILES.map(async (name) => [name, new Uint8Array(await files.read(name))] as const))
  return Object.fromEntries(entries) as Record<ArtifactFileName, Uint8Array>
}
