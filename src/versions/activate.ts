import type { ArtifactFiles } from '../models/artifact/read-parts.js'
import type { VersionChannel } from '../stores/version-channel.js'
import { validateStudentVersion } from './validate-student.js'
import { publishFiles, studentFiles, type VersionSources } from './version-files.js'

export interface ActivateOptions extends VersionSources {
  version: number
  channel: VersionChannel
  /** A run's fencing token (see VersionChannel.activate): a stale run activates nothing. */
  fence?: number
  /**
   * Checks the version as a replica would load it, throwing when it would be refused:
   * validateStudentVersion when omitted. An API replica passes its own load instead (it swaps to
   * the version right after, and loading checks all that validating does), so the files are read
   * and checked once.
   */
  validate?: (files: ArtifactFiles, version: number) => Promise<void>
}

/**
 * Rolls a student version out to every replica, or back to an older one: validates it as a
 * replica would load it (from the models directory, else the model store), copies a version on
 * disk into the model store (so replicas without it can load it), then records it as active and
 * announces it. Each replica swaps to it, or keeps its version and logs why not. The one way a
 * version becomes active: the worker after its gate, the admin route and `npm run activate`.
 * `activated` is false when the fence refused it; a version that is missing, rejected by the gate
 * or does not load throws.
 */
export async function activateVersion ({ version, channel, fence, validate = validateStudentVersion, ...sources }: ActivateOptions): Promise<{ published: boolean, activated: boolean }> {
  const { files, fromDisk } = await studentFiles(version, sources)
  // as a replica loads it; a large version in a thread, so the admin route holds no event loop
  await validate(files, version)
  const published = fromDisk && sources.store !== undefined ? await publishFiles(sources.store, files, version) : false
  const activated = await channel.activate(version, fence)
  return { published, activated }
}
