import { readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { roleDir } from './save.js'
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
