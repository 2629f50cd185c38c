import type { OptionalArtifactFileName, RequiredArtifactFileName } from '../models/artifact/artifact-files.js'
import type { ArtifactRole } from '../models/artifact/manifest.js'

export type ArtifactBlobs = Readonly<Record<RequiredArtifactFileName, Buffer> & Partial<Record<OptionalArtifactFileName, Buffer>>>

/**
 * Versions published for every replica to load: the four files of a version exactly as saved on
 * disk, so a replica whose models directory lacks a version validates the copy with the same loader.
 * A version number names one artifact for ever: publishing it again changes nothing.
 */
export interface ModelStore {
  /** Stores all files of `version` at once (readers see all or none); false when it was there already. */
  publish (role: ArtifactRole, version: number, files: ArtifactBlobs): Promise<boolean>
  /** Published versions of `role`, ascending. */
  versions (role: ArtifactRole): Promise<number[]>
  /** The files of one version, or null when it was never published. */
  files (role: ArtifactRole, version: number): Promise<ArtifactBlobs | null>
  /**
   * Deletes one version's files and its number at once (readers see all or none); false when it
   * was not there. Retention's only: the number is never published again (version numbers only grow).
   */
  remove (role: ArtifactRole, version: number): Promise<boolean>
  close (): Promise<void>
}
