import { Type, type Static } from '@sinclair/typebox'
import { directoryFiles, listVersions, readVersionState, versionDir } from '../models/artifact/index.js'
import { parseManifest } from '../models/artifact/manifest.js'
import type { VersionSources } from './version-files.js'

/** One student version as GET /admin/models lists it (the schema is the type's source and the response's). */
export const StudentVersionSchema = Type.Object({
  version: Type.Integer(),
  state: Type.Union([Type.Literal('active'), Type.Literal('ready'), Type.Literal('rejected'), Type.Literal('failed')]),
  /** Where it was found: this process's models directory, the model store (Redis), or both. */
  sources: Type.Array(Type.Union([Type.Literal('disk'), Type.Literal('store')])),
  created: Type.Optional(Type.String()),
  teacherVersion: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  items: Type.Optional(Type.Integer()),
  metrics: Type.Optional(Type.Record(Type.String(), Type.Number())),
  /** Why it was rejected, or why it cannot be read. */
  reason: Type.Optional(Type.String()),
  /** Whether retention keeps it (KEEP_VERSIONS); false: the next activation removes it. */
  kept: Type.Optional(Type.Boolean())
})
export type StudentVersionInfo = Static<typeof StudentVersionSchema>
export type VersionStateName = StudentVersionInfo['state']

/**
 * Every student version on disk or in the model store, newest first, with its manifest's figures
 * and its state: active (what replicas serve), rejected (by the validation gate), failed (its
 * manifest cannot be read) or ready (may be activated).
 */
export async function listStudentVersions ({ modelsDir, store }: VersionSources, active: number | null): Promise<StudentVersionInfo[]> {
  const onDisk = listVersions(modelsDir, 'student')
  const published = store === undefined ? [] : await store.versions('student')
  const all = [...new Set([...onDisk, ...published])].sort((a, b) => b - a)
  return await Promise.all(all.map(async (version) => {
    const sources: StudentVersionInfo['sources'] = []
    if (onDisk.includes(version)) sources.push('disk')
    if (published.includes(version)) sources.push('store')
    const info: StudentVersionInfo = { version, state: 'ready', sources }
    try {
      const manifestBytes = onDisk.includes(version)
        ? await directoryFiles(versionDir(modelsDir, 'student', version)).read('manifest.json')
        : (await store!.files('student', version))?.['manifest.json']
      if (manifestBytes === undefined) throw new Error('manifest.json missing')
      const manifest = parseManifest(JSON.parse(manifestBytes.toString('utf8')), `student v${version} manifest.json`)
      Object.assign(info, { created: manifest.created, teacherVersion: manifest.teacherVersion, items: manifest.numItems, metrics: manifest.metrics })
    } catch (err) {
      return { ...info, state: 'failed' as const, reason: (err as Error).message }
    }
    const rejected = onDisk.includes(version) ? readVersionState(versionDir(modelsDir, 'student', version)) : null
    if (rejected !== null) return { ...info, state: 'rejected' as const, reason: rejected.reason }
    return { ...info, state: version === active ? 'active' as const : 'ready' as const }
  }))
}

/**
 * The versions a replica tries to load, in order: the preferred one (a pin or a rollback) first,
 * then every other one newest first.
 */
export function loadOrder (versions: readonly number[], preferred: number | undefined): number[] {
  const newestFirst = [...new Set(versions)].sort((a, b) => b - a)
  return preferred === undefined ? newestFirst : [preferred, ...newestFirst.filter((v) => v !== preferred)]
}
