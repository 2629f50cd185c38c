import { ARTIFACT_FILES, directoryFiles, readArtifact, versionDir } from '../models/artifact/index.js'
import { restoreStudent } from '../models/artifact/model-io.js'
import type { StudentConfig } from '../models/student.js'
import type { ArtifactBlobs, ModelStore } from '../stores/model-store.js'
import type { VersionChannel } from '../stores/version-channel.js'

export interface PublishVersionOptions {
  modelsDir: string
  version: number
  store: ModelStore
  channel: VersionChannel
}

/**
 * Rolls a student version out to every replica: validates it as a replica would load it, copies
 * its files into the model store (so replicas without it on disk can load it), then records it as
 * active and announces it. Each replica swaps to it, or keeps its version and logs why not.
 */
export async function publishVersion ({ modelsDir, version, store, channel }: PublishVersionOptions): Promise<{ published: boolean }> {
  const files = directoryFiles(versionDir(modelsDir, 'student', version))
  const { model } = await restoreStudent(await readArtifact<StudentConfig>(files, 'student', version))
  model.dispose()
  const blobs = Object.fromEntries(await Promise.all(ARTIFACT_FILES.map(async (name) => [name, await files.read(name)]))) as unknown as ArtifactBlobs
  const published = await store.publish('student', version, blobs)
  await channel.activate(version)
  return { published }
}
