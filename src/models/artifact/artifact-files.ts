/**
 * The four files of every version, by name: what the stores copy and the loader reads. Apart
 * from load.ts so that the stores, which move these bytes, never load TF.js.
 */
export const ARTIFACT_FILES = ['manifest.json', 'model.json', 'items.json', 'weights.bin'] as const
export type ArtifactFileName = typeof ARTIFACT_FILES[number]
