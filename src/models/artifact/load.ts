import type * as tf from '@tensorflow/tfjs'
import { ArtifactError } from './artifact-error.js'
import { listVersions, roleDir, versionDir } from './save.js'
import { decodeArtifactWeights } from './weights.js'
import type { AnnParams } from '../ann/ann-params.js'
import type { ArtifactManifest, ArtifactRole } from './manifest.js'
import { directoryFiles, readArtifactParts, type ArtifactFiles, type ReadArtifactOptions } from './read-parts.js'

export { directoryFiles, type ArtifactFiles } from './read-parts.js'

export type LoadArtifactOptions = ReadArtifactOptions

export interface LoadedArtifact<C = Record<string, unknown>> {
  dir: string
  manifest: ArtifactManifest
  /** The config as saved; its type is the caller's claim, validate fields the model relies on. */
  config: C
  itemIds: string[]
  userIds: string[] | null
  /** Owned by the caller, who must dispose them. */
  weights: Record<string, tf.Tensor>
  /** The version's ANN index, its checksum verified; null when it has none. */
  ann: { bytes: Uint8Array, params: AnnParams } | null
}

/**
 * Loads and fully validates one version (the latest when `version` is omitted) before creating
 * any tensor. Throws ArtifactError: ARTIFACT_NOT_FOUND when there is no such version,
 * ARTIFACT_INVALID naming the file and the fault when it is incomplete or inconsistent.
 */
export async function loadArtifact<C = Record<string, unknown>> (
  modelsDir: string,
  role: ArtifactRole,
  version?: number,
  options: LoadArtifactOptions = {}
): Promise<LoadedArtifact<C>> {
  const versions = listVersions(modelsDir, role)
  const chosen = version ?? versions.at(-1)
  if (chosen === undefined) throw new ArtifactError('ARTIFACT_NOT_FOUND', `${roleDir(modelsDir, role)}: no ${role} versions`)
  if (!versions.includes(chosen)) throw new ArtifactError('ARTIFACT_NOT_FOUND', `${versionDir(modelsDir, role, chosen)}: no such version`)
  return await readArtifact(directoryFiles(versionDir(modelsDir, role, chosen)), role, chosen, options)
}

/** Validates one version read through `files` the same way whatever their source; see loadArtifact. */
export async function readArtifact<C = Record<string, unknown>> (
  files: ArtifactFiles,
  role: ArtifactRole,
  version: number,
  options: LoadArtifactOptions = {}
): Promise<LoadedArtifact<C>> {
  const { manifest, itemIds, userIds, data, specs, ann } = await readArtifactParts(files, role, version, options)
  return { dir: files.where, manifest, config: manifest.config as C, itemIds, userIds, weights: decodeArtifactWeights(data, specs), ann }
}
