import { ARTIFACT_FILES, directoryFiles, readArtifact, versionDir } from '../models/artifact/index.js'
import { restoreStudent } from '../models/artifact/model-io.js'
import type { StudentConfig } from '../models/student.js'
import type { ArtifactBlobs, ModelStore } from '../stores/model-store.js'
import type { VersionChannel } from '../stores/version-channel.js'

export interface PublishVersionOptions {
  modelsDir: string
  version: number
  /** Absent in one process without Redis: the channel alone reaches its only replica. */
  store?: ModelStore
  channel: VersionChannel
  /** A run's fencing token (see VersionChannel.activate): a stale run activates nothing. */
  fence?: number
}

/**
 * Rolls a student version out to every replica: validates it as a replica would load it, copies
 * its files into the model store (so replicas without it on disk can load it), then records it as
 * active and announces it. Each replica swaps to it, or keeps its version and logs why not.
 * `activated` is false when the fence refused it.
 */
export async function publishVersion ({ modelsDir, version, store, channel, fence }: PublishVersionOptions): Promise<{ published: boolean, activated: boolean }> {
  const files = directoryFiles(versionDir(modelsDir, 'student', version))
  const { model } = await restoreStudent(await readArtifact<StudentConfig>(files, 'student', version))
  model.dispose()
  let published = false
  if (store !== undefined) {
    const blobs = Object.fromEntries(await Promise.all(ARTIFACT_FILES.map(async (name) => [name, await files.read(name)]))) as unknown as ArtifactBlobs
    published = await store.publish('student', version, blobs)
  }
  const activated = await channel.activate(version, fence)
  return { published, activated }
}
