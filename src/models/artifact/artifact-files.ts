/**
 * The files of every version, by name: what the stores copy and the loader reads. Apart
 * from load.ts so that the stores, which move these bytes, never load TF.js.
 * `ann.bin` (a student's ANN index, see models/ann/) is optional: versions below ANN_MIN_ITEMS
 * items and versions saved before it existed have none, and an absent or empty one is legal.
 */
export const ARTIFACT_FILES = ['manifest.json', 'model.json', 'items.json', 'weights.bin', 'ann.bin'] as const
export type ArtifactFileName = typeof ARTIFACT_FILES[number]
export const OPTIONAL_ARTIFACT_FILES: readonly ArtifactFileName[] = ['ann.bin']
export type OptionalArtifactFileName = 'ann.bin'
export type RequiredArtifactFileName = Exclude<ArtifactFileName, OptionalArtifactFileName>
