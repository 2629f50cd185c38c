import type { Logger } from 'pino'
import { listVersions, removeVersion, type ArtifactRole } from '../models/artifact/index.js'
import type { VersionChannel } from '../stores/version-channel.js'
import { retentionPlan, type RetentionPlan } from './retention.js'
import type { VersionSources } from './version-files.js'
import { listStudentVersions, type StudentVersionInfo } from './version-list.js'

export interface RetentionOptions extends VersionSources {
  /** KEEP_VERSIONS. */
  keep: number
  channel: VersionChannel
  /** The student version this process serves, if it serves one (a worker embedded in a replica). */
  served?: number | null
}

export interface RetentionView {
  plan: RetentionPlan
  students: StudentVersionInfo[]
  /** The recorded active version, else the one this process serves. */
  active: number | null
}

/** What retention keeps and would remove now, from the models directory and the model store. */
export async function retentionView ({ keep, channel, served, ...sources }: RetentionOptions): Promise<RetentionView> {
  // nothing recorded yet (one process without Redis, before any activation): what this process serves
  const active = (await channel.active()) ?? served ?? null
  const students = await listStudentVersions(sources, active)
  const teachers = [...listVersions(sources.modelsDir, 'teacher'), ...(await sources.store?.versions('teacher') ?? [])]
  const plan = retentionPlan({ keep, students, teachers, pinned: [active, served] })
  return { plan, students, active }
}

/**
 * Removes the versions retention does not keep, oldest first, from the model store (what replicas
 * load from) and then from the models directory. Run by the worker after it activated a version, so
 * the newest version is announced before anything goes. The active version is read again just
 * before removing, so a pin or rollback made while planning keeps its version. A version that
 * cannot be removed is logged and left for the next run; this never throws for one.
 */
export async function applyRetention (options: RetentionOptions & { log: Logger }): Promise<{ students: number[], teachers: number[] }> {
  const { log, channel } = options
  const { plan } = await retentionView(options)
  const pinnedNow = await channel.active()
  const removed = { students: [] as number[], teachers: [] as number[] }
  for (const [role, versions, into] of [['student', plan.removeStudents, removed.students], ['teacher', plan.removeTeachers, removed.teachers]] as const) {
    for (const version of versions) {
      if (role === 'student' && version === pinnedNow) continue
      if (await removeOne(options, role, version, log)) into.push(version)
    }
  }
  return removed
}

async function removeOne ({ modelsDir, store }: VersionSources, role: ArtifactRole, version: number, log: Logger): Promise<boolean> {
  try {
    const fromStore = await store?.remove(role, version) ?? false
    const fromDisk = await removeVersion(modelsDir, role, version)
    return fromStore || fromDisk
  } catch (err) {
    log.warn({ role, version, err: (err as Error).message }, 'retention could not remove a version; the next run tries again')
    return false
  }
}
