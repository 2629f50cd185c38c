import { invalid } from './artifact-error.js'
import { parseAnnManifest, type AnnManifest } from '../ann/ann-params.js'
import { STUDENT_FAMILIES, studentFamily, type StudentFamily } from '../student-config.js'
import { parseStudentSelection, type StudentSelection } from '../student-selection.js'

export const ARTIFACT_ROLES = ['teacher', 'student'] as const
export type ArtifactRole = typeof ARTIFACT_ROLES[number]

/** Bumped when the on-disk layout changes incompatibly; loaders refuse other values. */
export const ARTIFACT_FORMAT = 1

/** `manifest.json` of one version directory `<modelsDir>/<role>/<version>/`. */
export interface ArtifactManifest {
  format: typeof ARTIFACT_FORMAT
  version: number
  role: ArtifactRole
  /** ISO 8601 time the version was written. */
  created: string
  /** `datasetFingerprint()` of the data the model was trained on. */
  datasetFingerprint: string
  /** The model's own config object, as the model module defines it (also model.json's modelTopology). */
  config: Record<string, unknown>
  /** Offline quality and training figures, e.g. `{ ndcg10: 0.12, trainSeconds: 41 }`. */
  metrics: Record<string, number>
  /** TF.js backend the model was trained on. */
  backend: string
  /** Teacher version a student was distilled from; null for teachers and undistilled students. */
  teacherVersion: number | null
  /**
   * Where a distilled student's teacher came from and its checksum (a saved teacher's weights, a
   * Layers model's files, a scores file), with the multiplier its losses had; null otherwise
   * (and in manifests written before it existed).
   */
  teacher: TeacherProvenance | null
  numItems: number
  /** Number of user ids in items.json, null when none were saved. */
  numUsers: number | null
  weights: { file: 'weights.bin', bytes: number, sha256: string }
  /** The student's ANN index (ann.bin); null when it has none (and in manifests written before it existed). */
  ann: AnnManifest | null
  /** A student chosen by `--student auto`: which family won and why; null otherwise (and in manifests written before it existed). */
  selection: StudentSelection | null
}

export const TEACHER_KINDS = ['saved', 'layers', 'scores'] as const

export interface TeacherProvenance {
  kind: typeof TEACHER_KINDS[number]
  /** `teacher v3`, a Layers model directory or a scores file path. */
  source: string
  sha256: string
  weight: number
}

/** Validates a parsed manifest.json; `file` names it in errors. */
export function parseManifest (raw: unknown, file: string): ArtifactManifest {
  const m = object(raw, file, 'manifest')
  if (m.format !== ARTIFACT_FORMAT) throw invalid(file, `format is ${JSON.stringify(m.format)}, expected ${ARTIFACT_FORMAT}`)
  const version = positiveInt(m.version, file, 'version')
  if (!ARTIFACT_ROLES.includes(m.role as ArtifactRole)) throw invalid(file, `role is ${JSON.stringify(m.role)}, expected one of ${ARTIFACT_ROLES.join(', ')}`)
  const created = string(m.created, file, 'created')
  if (Number.isNaN(Date.parse(created))) throw invalid(file, `created is not an ISO time: ${JSON.stringify(created)}`)
  const metrics = object(m.metrics, file, 'metrics')
  for (const [key, value] of Object.entries(metrics)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(file, `metrics.${key} is not a finite number`)
  }
  const teacherVersion = m.teacherVersion === null ? null : positiveInt(m.teacherVersion, file, 'teacherVersion')
  const numUsers = m.numUsers === null ? null : count(m.numUsers, file, 'numUsers')
  const config = object(m.config, file, 'config')
  // a student's family rides in its config; manifests from before families name none (pooling)
  if (m.role === 'student' && config.family !== undefined && !(STUDENT_FAMILIES as readonly unknown[]).includes(config.family)) {
    throw invalid(file, `config.family is ${JSON.stringify(config.family)}, expected one of ${STUDENT_FAMILIES.join(', ')}`)
  }
  const weights = object(m.weights, file, 'weights')
  if (weights.file !== 'weights.bin') throw invalid(file, `weights.file is ${JSON.stringify(weights.file)}, expected "weights.bin"`)
  const sha256 = string(weights.sha256, file, 'weights.sha256')
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw invalid(file, 'weights.sha256 is not 64 lowercase hex digits')
  return {
    format: ARTIFACT_FORMAT,
    version,
    role: m.role as ArtifactRole,
    created,
    datasetFingerprint: string(m.datasetFingerprint, file, 'datasetFingerprint'),
    config,
    metrics: metrics as Record<string, number>,
    backend: string(m.backend, file, 'backend'),
    teacherVersion,
    teacher: m.teacher === undefined || m.teacher === null ? null : provenance(m.teacher, file),
    numItems: count(m.numItems, file, 'numItems'),
    numUsers,
    weights: { file: 'weights.bin', bytes: count(weights.bytes, file, 'weights.bytes'), sha256 },
    ann: m.ann === undefined || m.ann === null ? null : parseAnnManifest(m.ann, file),
    selection: m.selection === undefined || m.selection === null ? null : parseStudentSelection(m.selection, (reason) => invalid(file, reason))
  }
}

/** A student version's family (`pooling` when its manifest predates families); null for a teacher. */
export function manifestFamily (manifest: Pick<ArtifactManifest, 'role' | 'config'>): StudentFamily | null {
  return manifest.role === 'student' ? studentFamily(manifest.config) : null
}

function provenance (raw: unknown, file: string): TeacherProvenance {
  const t = object(raw, file, 'teacher')
  if (!TEACHER_KINDS.includes(t.kind as TeacherProvenance['kind'])) throw invalid(file, `teacher.kind is ${JSON.stringify(t.kind)}, expected one of ${TEACHER_KINDS.join(', ')}`)
  const sha256 = string(t.sha256, file, 'teacher.sha256')
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw invalid(file, 'teacher.sha256 is not 64 lowercase hex digits')
  if (typeof t.weight !== 'number' || !(t.weight > 0) || !Number.isFinite(t.weight)) throw invalid(file, 'teacher.weight is not a positive number')
  return { kind: t.kind as TeacherProvenance['kind'], source: string(t.source, file, 'teacher.source'), sha256, weight: t.weight }
}

function object (value: unknown, file: string, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(file, `${field} is not an object`)
  return value as Record<string, unknown>
}

function string (value: unknown, file: string, field: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(file, `${field} is not a non-empty string`)
  return value
}

function count (value: unknown, file: string, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw invalid(file, `${field} is not a non-negative integer`)
  return value as number
}

function positiveInt (value: unknown, file: string, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw invalid(file, `${field} is not a positive integer`)
  return value as number
}
