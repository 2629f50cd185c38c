import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ARTIFACT_ROLES, CURVES_FILE, listVersions, readVersionState, versionDir, type ArtifactManifest, type ArtifactRole } from '../models/artifact/index.js'
import { parseManifest } from '../models/artifact/manifest.js'

/** ready: loadable; active: the student replicas serve; rejected: turned down by the gate; failed: its manifest cannot be read. */
export type ReportState = 'active' | 'ready' | 'rejected' | 'failed'

/** One epoch of curves.jsonl as the report draws it; fields the line lacks are undefined. */
export interface CurvePoint {
  epoch: number
  loss: number
  terms: Record<string, number>
  validNdcg?: number
  learningRate?: number
  teacherWeight?: number
  seconds?: number
}

export interface Curves {
  points: CurvePoint[]
  /** Lines that are not JSON or lack a finite epoch and loss: counted, not drawn. */
  skipped: number
}

export interface VersionRecord {
  role: ArtifactRole
  version: number
  state: ReportState
  /** Why it was rejected, or why it cannot be read. */
  reason?: string
  /** Absent only when the state is failed. */
  manifest?: ArtifactManifest
  /** Null when the version has no curves.jsonl (or it cannot be read). */
  curves: Curves | null
}

export interface ReadModelsOptions {
  /** The student version replicas serve, marked active; null or absent marks none. */
  active?: number | null
}

/**
 * Every version of every role under `modelsDir`, teachers first, newest first within a role. A
 * version that cannot be read is returned as failed with the reason, never thrown: the report is
 * how an operator finds out.
 */
export async function readModels (modelsDir: string, options: ReadModelsOptions = {}): Promise<VersionRecord[]> {
  const records: VersionRecord[] = []
  for (const role of ARTIFACT_ROLES) {
    const versions = listVersions(modelsDir, role).reverse()
    records.push(...await Promise.all(versions.map(async (version) => await readVersion(modelsDir, role, version, options.active ?? null))))
  }
  return records
}

async function readVersion (modelsDir: string, role: ArtifactRole, version: number, active: number | null): Promise<VersionRecord> {
  const dir = versionDir(modelsDir, role, version)
  const curves = await readCurves(join(dir, CURVES_FILE))
  const label = `${role} v${version} manifest.json`
  let manifest: ArtifactManifest
  try {
    manifest = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')), label)
  } catch (err) {
    const message = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (err as Error).message
    const reason = message.startsWith(label) ? message : `${label}: ${message}`
    return { role, version, state: 'failed', reason, curves }
  }
  let rejected
  try {
    rejected = readVersionState(dir)
  } catch (err) {
    return { role, version, state: 'failed', reason: `state.json: ${(err as Error).message}`, manifest, curves }
  }
  if (rejected !== null) return { role, version, state: 'rejected', reason: rejected.reason, manifest, curves }
  return { role, version, state: role === 'student' && version === active ? 'active' : 'ready', manifest, curves }
}

/** Parses curves.jsonl leniently: a run killed mid-write or a hand-edited line loses only its own epoch. */
export async function readCurves (file: string): Promise<Curves | null> {
  let text
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return null
  }
  const points: CurvePoint[] = []
  let skipped = 0
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const point = curvePoint(line)
    if (point === null) skipped++
    else points.push(point)
  }
  points.sort((a, b) => a.epoch - b.epoch)
  return { points, skipped }
}

function curvePoint (line: string): CurvePoint | null {
  let raw: unknown
  try {
    raw = JSON.parse(line)
  } catch {
    return null
  }
  if (typeof raw !== 'object' || raw === null) return null
  const o = raw as Record<string, unknown>
  const epoch = finite(o.epoch)
  const loss = finite(o.loss)
  if (epoch === undefined || loss === undefined) return null
  const terms: Record<string, number> = {}
  if (typeof o.terms === 'object' && o.terms !== null) {
    for (const [name, value] of Object.entries(o.terms)) {
      const v = finite(value)
      if (v !== undefined) terms[name] = v
    }
  }
  return { epoch, loss, terms, validNdcg: finite(o.validNdcg), learningRate: finite(o.learningRate), teacherWeight: finite(o.teacherWeight), seconds: finite(o.seconds) }
}

function finite (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}
