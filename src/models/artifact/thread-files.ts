import { join } from 'node:path'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { ArtifactError, type ArtifactErrorCode } from './artifact-error.js'
import { ARTIFACT_FILES, type ArtifactFileName } from './artifact-files.js'
import { parseJson } from './files.js'
import { parseManifest } from './manifest.js'
import { directoryFiles, type ArtifactFiles } from './read-parts.js'

/**
 * What a thread that reads a version (to validate or load it off the event loop) is handed: the
 * version's directory, which it reads itself, or the bytes of a copy from the model store, in
 * memory both threads share.
 */
export type ThreadFiles = { dir: string } | { where: string, blobs: Record<ArtifactFileName, Uint8Array> }

/** Bytes of a store's file copied to shared memory between two turns of the event loop (a few milliseconds). */
const BYTES_PER_TURN = 8 << 20

/** The ThreadFiles of `files`: its directory, else its bytes (which the store owns) copied a slice per turn of the loop. */
export async function threadFiles (files: ArtifactFiles): Promise<ThreadFiles> {
  if (files.dir !== undefined) return { dir: files.dir }
  const blobs: Partial<Record<ArtifactFileName, Uint8Array>> = {}
  for (const name of ARTIFACT_FILES) {
    const data = await files.read(name)
    const shared = new Uint8Array(new SharedArrayBuffer(data.byteLength))
    for (let at = 0; at < data.byteLength; at += BYTES_PER_TURN) {
      shared.set(data.subarray(at, Math.min(data.byteLength, at + BYTES_PER_TURN)), at)
      await yieldToLoop()
    }
    blobs[name] = shared
  }
  return { where: files.where, blobs: blobs as Record<ArtifactFileName, Uint8Array> }
}

/** The thread's side: ArtifactFiles over what it was handed. */
export function filesInThread (source: ThreadFiles): ArtifactFiles {
  if ('dir' in source) return directoryFiles(source.dir)
  const { where, blobs } = source
  return { where, read: async (name) => Buffer.from(blobs[name].buffer, blobs[name].byteOffset, blobs[name].byteLength) }
}

/** An error as a thread posts it (errors lose their class crossing threads). */
export interface ThreadError { name: string, message: string, code?: string }

export function toThreadError (err: unknown): ThreadError {
  const e = err as Error & { code?: string }
  return { name: e.name, message: e.message, code: e.code }
}

/** The posted error as its class again: an ArtifactError refuses a version as one thrown on the loop does. */
export function fromThreadError ({ name, message, code }: ThreadError): Error {
  if (name === 'ArtifactError') return new ArtifactError(code as ArtifactErrorCode, message)
  if (name === 'RangeError') return new RangeError(message)
  return Object.assign(new Error(message), { code })
}

/** Versions of at least this many items are validated and prepared in a thread; below, on the event loop (a few milliseconds). */
export const THREAD_MIN_ITEMS = 20_000

/** How many nice values such a thread runs below the serving thread (Linux, per thread; startThread's `nice`): requests come first. */
export const THREAD_NICE = 10

/** How many items the version's manifest says it has: what decides whether it is read in a thread. Throws ArtifactError for a bad manifest. */
export async function manifestItems (files: ArtifactFiles): Promise<number> {
  const file = join(files.where, 'manifest.json')
  return parseManifest(parseJson(await files.read('manifest.json'), file), file).numItems
}
