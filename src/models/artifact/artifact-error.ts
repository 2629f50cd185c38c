export type ArtifactErrorCode = 'ARTIFACT_INVALID' | 'ARTIFACT_NOT_FOUND'

/**
 * A model artifact that cannot be saved or loaded.
 * `ARTIFACT_NOT_FOUND`: the role has no versions, or not the one asked for.
 * `ARTIFACT_INVALID`: a version exists but a file in it is missing, malformed or inconsistent;
 * the message names the file and what is wrong with it.
 */
export class ArtifactError extends Error {
  readonly code: ArtifactErrorCode

  constructor (code: ArtifactErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ArtifactError'
    this.code = code
  }
}

export function invalid (file: string, what: string, cause?: unknown): ArtifactError {
  return new ArtifactError('ARTIFACT_INVALID', `${file}: ${what}`, cause === undefined ? undefined : { cause })
}
