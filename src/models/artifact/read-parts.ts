import { join } from 'node:path'
import { invalid } from './artifact-error.js'
import { canonicalJson, parseJson, readArtifactFile } from './files.js'
import { OPTIONAL_ARTIFACT_FILES, type ArtifactFileName } from './artifact-files.js'
import type { AnnParams } from '../ann/ann-params.js'
import { sha256Yielding } from './hash.js'
import { parseManifest, type ArtifactManifest, type ArtifactRole } from './manifest.js'
import { checkWeightSpecs, type WeightSpec } from './weight-specs.js'

/** Where a version's files come from: its directory, or a copy published elsewhere (Redis). */
export interface ArtifactFiles {
  /** Names the source in error messages: a directory, or a key. */
  where: string
  /** The version's directory when the files are on disk (a loading thread then reads them itself). */
  dir?: string
  /** The file's bytes; throws ArtifactError (ARTIFACT_INVALID) when it is missing, except an optional file (empty then). */
  read (name: ArtifactFileName): Promise<Buffer>
}

export function directoryFiles (dir: string): ArtifactFiles {
  return {
    where: dir,
    dir,
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

export interface ReadArtifactOptions {
  /** Shapes the caller's model config implies, by weight name; a mismatch refuses the version. */
  expectedShapes?: Readonly<Record<string, readonly number[]>>
}

/** One version's files, every one validated against the others; the weights still as bytes. */
export interface ArtifactParts {
  manifest: ArtifactManifest
  itemIds: string[]
  userIds: string[] | null
  /** weights.bin, its size and checksum verified; `specs` lay it out. */
  data: Uint8Array
  specs: WeightSpec[]
  /** The version's ANN index, its checksum verified; null when it has none. */
  ann: { bytes: Uint8Array, params: AnnParams } | null
}

/**
 * Reads and validates one version's files without TF.js (so a loading thread can): the manifest,
 * weights.bin's size and sha256, model.json against the manifest and weights.bin, items.json, and
 * ann.bin's size and sha256. Throws ArtifactError (ARTIFACT_INVALID) naming the file and the fault.
 */
export async function readArtifactParts (files: ArtifactFiles, role: ArtifactRole, version: number, options: ReadArtifactOptions = {}): Promise<ArtifactParts> {
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
  return { manifest, itemIds, userIds, data, specs, ann }
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
