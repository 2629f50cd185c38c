import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { listVersions, STATE_FILE, versionDir, type RejectedState } from '../models/artifact/index.js'
import type { VersionSources } from './version-files.js'

/**
 * Marks a saved student version as turned down after its gate (a canary that kept the active
 * version): its directory gets the rejected marker, so no replica or later run takes it for a
 * ready version, and a copy published for the canary is removed from the model store.
 */
export async function rejectVersion (version: number, reason: string, { modelsDir, store }: VersionSources, now = new Date()): Promise<void> {
  if (listVersions(modelsDir, 'student').includes(version)) {
    const state: RejectedState = { state: 'rejected', reason, at: now.toISOString() }
    await writeFile(join(versionDir(modelsDir, 'student', version), STATE_FILE), JSON.stringify(state) + '\n')
  }
  await store?.remove('student', version)
}
