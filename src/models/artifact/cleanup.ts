import { randomBytes } from 'node:crypto'
import { readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { syncDir } from './files.js'
import { listVersions, roleDir, versionDir } from './save.js'
import type { ArtifactRole } from './manifest.js'

export interface RemoveStaleTempsOptions {
  /** Only temp directories last modified this long ago are removed, so a running save is left alone. Default 1 hour. */
  olderThanMs?: number
  /** Injected clock for testability. */
  now?: () => number
}

/**
 * Deletes the `.tmp-*` directories a crashed or killed `saveArtifact` leaves beside the versions
 * (each holds a full weights.bin). Returns the names removed.
 */
export async function removeStaleTemps (modelsDir: string, role: ArtifactRole, options: RemoveStaleTempsOptions = {}): Promise<string[]> {
  const parent = roleDir(modelsDir, role)
  const cutoff = (options.now?.() ?? Date.now()) - (options.olderThanMs ?? 3_600_000)
  let names: string[]
  try {
    names = await readdir(parent)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const removed: string[] = []
  for (const name of names.filter((n) => n.startsWith('.tmp-'))) {
    const path = join(parent, name)
    const info = await stat(path).catch(() => null)
    if (info === null || !info.isDirectory() || info.mtimeMs > cutoff) continue
    await rm(path, { recursive: true, force: true })
    removed.push(name)
  }
  return removed.sort()
}

/**
 * Deletes one version directory (retention's): renamed first to a `.tmp-removed-*` name, so
 * readers stop listing it at once and never see half of it, then removed; one a crash leaves
 * behind is a stale temp removeStaleTemps deletes. The newest version of `role` is refused (a
 * save in progress renames its temp directory to a number above it, so it is never touched).
 * False when the version is not there.
 */
export async function removeVersion (modelsDir: string, role: ArtifactRole, version: number): Promise<boolean> {
  const listed = listVersions(modelsDir, role)
  if (!listed.includes(version)) return false
  if (version === listed.at(-1)) throw new Error(`${role} v${version} is the newest version in ${roleDir(modelsDir, role)}: never removed`)
  const parent = roleDir(modelsDir, role)
  const doomed = join(parent, `.tmp-removed-${version}-${randomBytes(4).toString('hex')}`)
  try {
    await rename(versionDir(modelsDir, role, version), doomed)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
  await syncDir(parent)
  await rm(doomed, { recursive: true, force: true })
  return true
}
