/**
 * Versioned model artifacts on disk: `<modelsDir>/<role>/<version>/` holding model.json
 * (TF.js weights-manifest format, our model config as modelTopology), weights.bin, items.json
 * and manifest.json. Versions are increasing integers, published atomically, never reused.
 */
import type * as tf from '@tensorflow/tfjs'

export { ArtifactError, type ArtifactErrorCode } from './artifact-error.js'
export { removeStaleTemps, removeVersion, type RemoveStaleTempsOptions } from './cleanup.js'
export { datasetFingerprint, type FingerprintSource } from './fingerprint.js'
export { ARTIFACT_FILES, type ArtifactFileName } from './artifact-files.js'
export { directoryFiles, loadArtifact, readArtifact, type ArtifactFiles, type LoadArtifactOptions, type LoadedArtifact } from './load.js'
export { CURVES_FILE, highestVersion, listVersions, saveArtifact, versionDir, type SaveArtifactOptions } from './save.js'
export { ARTIFACT_ROLES, type ArtifactManifest, type ArtifactRole } from './manifest.js'

/** Disposes every tensor of a loaded artifact's weights. */
export function disposeWeights (weights: Readonly<Record<string, tf.Tensor>>): void {
  for (const tensor of Object.values(weights)) tensor.dispose()
}
export { readVersionState, STATE_FILE, type RejectedState } from './version-state.js'
