import { createHash, randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { ArtifactError } from './artifact-error.js'
import { syncDir, writeFileSynced } from './files.js'
import { encodeArtifactWeights } from './weights.js'
import { STATE_FILE, type RejectedState } from './version-state.js'
import type { AnnParams } from '../ann/ann-params.js'
import { ARTIFACT_FORMAT, ARTIFACT_ROLES, type ArtifactManifest, type ArtifactRole, type TeacherProvenance } from './manifest.js'
import type { StudentSelection } from '../student-selection.js'

export interface SaveArtifactOptions {
  role: ArtifactRole
  /** Not disposed: the caller keeps ownership. */
  weights: Readonly<Record<string, tf.Tensor>>
  /** The model's config; must survive JSON. Stored as model.json's modelTopology and in the manifest. */
  config: object
  /** External item ids in dense-index order. */
  itemIds: readonly string[]
  /** External user ids in dense-index order, for models with user embeddings. */
  userIds?: readonly string[]
  datasetFingerprint: string
  metrics?: Readonly<Record<string, number>>
  /** Defaults to the current TF.js backend. */
  backend?: string
  teacherVersion?: number | null
  /** A distilled student's teacher: where it came from and its checksum. */
  teacher?: TeacherProvenance | null
  /** Injected clock for testability. */
  now?: () => Date
  /**
   * Exactly this number (a fencing token reserved in Redis by the worker) instead of the next
   * free one; fails with ARTIFACT_INVALID when it is taken or not above every number used.
   */
  version?: number
  /** Saves the version as rejected (see version-state.ts): on disk for inspection, never loaded. */
  rejected?: { reason: string }
  /** The run's per-epoch figures, saved as curves.jsonl beside the artifact (for the report). */
  curves?: ReadonlyArray<object>
  /** A student's ANN index over its item matrix (models/ann/), saved as ann.bin. */
  ann?: { bytes: Uint8Array, params: AnnParams }
  /** How `--student auto` chose this student's family (kept in the manifest). */
  selection?: StudentSelection
}

/** Beside the four artifact files: one JSON object per epoch of the run that made the version. */
export const CURVES_FILE = 'curves.jsonl'

const VERSION_NAME = /^[1-9][0-9]{0,14}$/
const HIGH_WATER = '.high-water'
const MAX_ATTEMPTS = 1000

export function roleDir (modelsDir: string, role: ArtifactRole): string {
  if (!ARTIFACT_ROLES.includes(role)) throw new TypeError(`unknown artifact role ${JSON.stringify(role)}`)
  return join(modelsDir, role)
}

export function versionDir (modelsDir: string, role: ArtifactRole, version: number): string {
  return join(roleDir(modelsDir, role), String(version))
}

/** Published versions of `role`, ascending; temp directories, stray files and other names are ignored. */
export function listVersions (modelsDir: string, role: ArtifactRole): number[] {
  let entries
  try {
    entries = readdirSync(roleDir(modelsDir, role), { withFileTypes: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  return entries
    .filter((e) => e.isDirectory() && VERSION_NAME.test(e.name))
    .map((e) => Number(e.name))
    .sort((a, b) => a - b)
}

/**
 * Writes a new version and returns its number: max existing (or ever published) + 1.
 * Files are written and fsynced in a private temp directory beside the versions, which is then
 * renamed to its version number; a reader sees the whole version or none of it. A concurrent writer
 * that takes the same number first makes the rename fail, and this one retries with the next number.
 */
export async function saveArtifact (modelsDir: string, options: SaveArtifactOptions): Promise<{ version: number, dir: string }> {
  const parent = roleDir(modelsDir, options.role)
  const config = checkSaveInput(options)
  const { data, specs } = await encodeArtifactWeights(options.weights)
  await mkdir(parent, { recursive: true })
  const tmp = await mkdtemp(join(parent, '.tmp-'))
  try {
    // mkdtemp makes it owner-only; a published version is readable like any directory
    await chmod(tmp, 0o755)
    await writeFileSynced(join(tmp, 'weights.bin'), data)
    await writeFileSynced(join(tmp, 'model.json'), JSON.stringify({
      format: 'distillrec-artifact',
      generatedBy: `TensorFlow.js v${tf.version.tfjs}`,
      convertedBy: null,
      modelTopology: config,
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }]
    }))
    if (options.curves !== undefined && options.curves.length > 0) {
      await writeFileSynced(join(tmp, CURVES_FILE), options.curves.map((line) => JSON.stringify(line)).join('\n') + '\n')
    }
    if (options.rejected !== undefined) {
      const state: RejectedState = { state: 'rejected', reason: options.rejected.reason, at: (options.now?.() ?? new Date()).toISOString() }
      await writeFileSynced(join(tmp, STATE_FILE), JSON.stringify(state))
    }
    if (options.ann !== undefined) await writeFileSynced(join(tmp, 'ann.bin'), options.ann.bytes)
    await writeFileSynced(join(tmp, 'items.json'), JSON.stringify({ items: options.itemIds, users: options.userIds ?? null }))
    const base: Omit<ArtifactManifest, 'version'> = {
      format: ARTIFACT_FORMAT,
      role: options.role,
      created: (options.now?.() ?? new Date()).toISOString(),
      datasetFingerprint: options.datasetFingerprint,
      config,
      metrics: { ...options.metrics },
      backend: options.backend ?? tf.getBackend(),
      teacherVersion: options.teacherVersion ?? null,
      teacher: options.teacher ?? null,
      numItems: options.itemIds.length,
      numUsers: options.userIds?.length ?? null,
      weights: { file: 'weights.bin', bytes: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') },
      ann: options.ann === undefined
        ? null
        : { file: 'ann.bin', bytes: options.ann.bytes.byteLength, sha256: createHash('sha256').update(options.ann.bytes).digest('hex'), params: options.ann.params },
      selection: options.selection ?? null
    }
    let tried = 0
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const next = Math.max(tried, await highestVersion(modelsDir, options.role)) + 1
      if (options.version !== undefined && (tried > 0 || options.version < next)) {
        throw new ArtifactError('ARTIFACT_INVALID', `${parent}: version ${options.version} is taken or below a version already used (next free: ${next})`)
      }
      const version = options.version ?? next
      await writeFileSynced(join(tmp, 'manifest.json'), JSON.stringify({ ...base, version }, null, 2))
      await syncDir(tmp)
      try {
        await rename(tmp, join(parent, String(version)))
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'ENOTDIR') {
          tried = version
          continue
        }
        throw err
      }
      await syncDir(parent)
      await raiseHighWater(parent, version)
      return { version, dir: join(parent, String(version)) }
    }
    throw new ArtifactError('ARTIFACT_INVALID', `${parent}: no free version number after ${MAX_ATTEMPTS} attempts`)
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    throw err
  }
}

function checkSaveInput (options: SaveArtifactOptions): Record<string, unknown> {
  const config: unknown = JSON.parse(JSON.stringify(options.config ?? null))
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new TypeError('config must be a JSON object')
  for (const [key, value] of Object.entries(options.metrics ?? {})) {
    if (!Number.isFinite(value)) throw new TypeError(`metrics.${key} must be a finite number, got ${value}`)
  }
  if (options.datasetFingerprint === '') throw new TypeError('datasetFingerprint must not be empty')
  for (const ids of [options.itemIds, options.userIds ?? []]) {
    if (!ids.every((id) => typeof id === 'string')) throw new TypeError('item and user ids must be strings')
  }
  return config as Record<string, unknown>
}

/**
 * The highest version number `role` ever used here: the high-water mark keeps a number from being
 * reused after the newest version is deleted, since cache keys and logs carry version numbers.
 */
export async function highestVersion (modelsDir: string, role: ArtifactRole): Promise<number> {
  const listed = listVersions(modelsDir, role).at(-1) ?? 0
  return Math.max(listed, await readHighWater(roleDir(modelsDir, role)))
}

async function readHighWater (parent: string): Promise<number> {
  try {
    const value = Number((await readFile(join(parent, HIGH_WATER), 'utf8')).trim())
    return Number.isSafeInteger(value) && value > 0 ? value : 0
  } catch {
    return 0
  }
}

async function raiseHighWater (parent: string, version: number): Promise<void> {
  if (await readHighWater(parent) >= version) return
  const tmp = join(parent, `${HIGH_WATER}.${process.pid}.${randomBytes(4).toString('hex')}`)
  await writeFileSynced(tmp, `${version}\n`)
  await rename(tmp, join(parent, HIGH_WATER))
}
