import { join } from 'node:path'
import type * as tf from '@tensorflow/tfjs'
import { ArtifactError, invalid } from './artifact-error.js'
import { canonicalJson, parseJson, readArtifactFile } from './files.js'
import { listVersions, roleDir, versionDir } from './save.js'
import { checkWeightSpecs, decodeArtifactWeights } from './weights.js'
import { OPTIONAL_ARTIFACT_FILES, type ArtifactFileName } from './artifact-files.js'
import type { AnnParams } from '../ann/ann-params.js'
import { sha256Yielding } from './hash.js'
import { parseManifest, type ArtifactManifest, type ArtifactRole } from './manifest.js'

export interface LoadArtifactOptions {
  /** Shapes the caller's model config implies, by weight name; a mismatch refuses the version. */
  expectedShapes?: Readonly<Record<string, readonly number[]>>
}

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

/** Where a version's files come from: its directory, or a copy published elsewhere (Redis). */
export interface ArtifactFiles {
  /** Names the source in error messages: a directory, or a key. */
  where: string
  /** The file's bytes; throws ArtifactError (ARTIFACT_INVALID) when it is missing, except an optional file (empty then). */
  read (name: ArtifactFileName): Promise<Buffer>
}

export function directoryFiles (dir: string): ArtifactFiles {
  return {
    where: dir,
    read: async (name) => {
      try {
        return await readArtifactFile(join(dir, name))
      } catch (err) {
        const missing = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
        if (missing && OPTIONAL_ARTIFACT_FILES.includes(name)) return Buffer.alloc(0)
        throw err
      }
    }
  }
}

/** Validates one version read through `files` the same way whatever their source; see loadArtifact. */
export async function readArtifact<C = Record<string, unknown>> (
  files: ArtifactFiles,
  role: ArtifactRole,
  version: number,
  options: LoadArtifactOptions = {}
): Promise<LoadedArtifact<C>> {
  const dir = files.where
  const json = async (name: ArtifactFileName): Promise<unknown> => parseJson(await files.read(name), join(dir, name))

  const manifestPath = join(dir, 'manifest.json')
  const manifest = parseManifest(await json('manifest.json'), manifestPath)
  if (manifest.role !== role) throw invalid(manifestPath, `role is ${manifest.role} but it was read as a ${role}`)
  if (manifest.version !== version) throw invalid(manifestPath, `version is ${manifest.version} but it was read as version ${version}`)

  const weightsPath = join(dir, 'weights.bin')
  const data = await files.read('weights.bin')
  if (data.byteLength !== manifest.weights.bytes) {
    throw invalid(weightsPath, `holds ${data.byteLength} bytes, manifest.json says ${manifest.weights.bytes}`)
  }
  if (await sha256Yielding(data) !== manifest.weights.sha256) {
    throw invalid(weightsPath, 'sha256 does not match manifest.json')
  }

  const modelPath = join(dir, 'model.json')
  const model = await json('model.json') as { modelTopology?: unknown, weightsManifest?: unknown } | null
  if (typeof model !== 'object' || model === null) throw invalid(modelPath, 'is not an object')
  if (canonicalJson(model.modelTopology) !== canonicalJson(manifest.config)) {
    throw invalid(modelPath, 'modelTopology differs from manifest.json config')
  }
  const specs = checkWeightSpecs(model.weightsManifest, data.byteLength, modelPath, options.expectedShapes)

  const itemsPath = join(dir, 'items.json')
  const { itemIds, userIds } = parseIds(await json('items.json'), itemsPath, manifest)

  const ann = manifest.ann === null ? null : await readAnn(files, manifest.ann, join(dir, 'ann.bin'))
  return { dir, manifest, config: manifest.config as C, itemIds, userIds, weights: decodeArtifactWeights(data, specs), ann }
}

/** The index's bytes against the manifest's size and checksum (usearch trusts the file it reads). */
async function readAnn (files: ArtifactFiles, expected: NonNullable<ArtifactManifest['ann']>, path: string): Promise<{ bytes: Uint8Array, params: AnnParams }> {
  const bytes = await files.read('ann.bin')
  if (bytes.byteLength !== expected.bytes) throw invalid(path, `holds ${bytes.byteLength} bytes, manifest.json says ${expected.bytes}`)
  if (await sha256Yielding(bytes) !== expected.sha256) throw invalid(path, 'sha256 does not match manifest.json')
  return { bytes, params: expected.params }
}

function parseIds (raw: unknown, file: string, manifest: ArtifactManifest): { itemIds: string[], userIds: string[] | null } {
  const { items, users } = (typeof raw === 'object' && raw !== null ? raw : {}) as { items?: unknown, users?: unknown }
  const itemIds = idList(items, file, 'items')
  if (itemIds.length !== manifest.numItems) throw invalid(file, `holds ${itemIds.length} items, manifest.json says ${manifest.numItems}`)
  const userIds = users === null || users === undefined ? null : idList(users, file, 'users')
  if ((userIds?.length ?? null) !== manifest.numUsers) {
    throw invalid(file, `holds ${userIds?.length ?? 'no'} users, manifest.json says ${manifest.numUsers ?? 'none'}`)
  }
  return { itemIds, userIds }
}

function idList (value: unknown, file: string, field: string): string[] {
  if (!Array.isArray(value) || !value.every((id) => typeof id === 'string')) throw invalid(file, `${field} is not an array of strings`)
  if (new Set(value).size !== value.length) throw invalid(file, `${field} holds duplicate ids`)
  return value as string[]
}
