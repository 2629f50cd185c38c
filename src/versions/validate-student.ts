import type { ArtifactFiles } from '../models/artifact/read-parts.js'
import { readStudentValues } from '../models/artifact/read-student.js'
import { fromThreadError, manifestItems, threadFiles, THREAD_MIN_ITEMS, THREAD_NICE, type ThreadError } from '../models/artifact/thread-files.js'
import { startThread } from '../threads/start-thread.js'

export type ValidateResult = { valid: true } | { valid: false, error: ThreadError }

/**
 * Checks a student version as a replica loading it would (readStudentValues), and throws the
 * ArtifactError a replica would refuse it with. A version of at least `threadMinItems` items is
 * checked in a thread: a million ids and their checksums would hold the event loop for seconds.
 */
export async function validateStudentVersion (files: ArtifactFiles, version: number, { threadMinItems = THREAD_MIN_ITEMS }: { threadMinItems?: number } = {}): Promise<void> {
  if (await manifestItems(files) < threadMinItems) {
    await readStudentValues(files, version)
    return
  }
  const worker = startThread(import.meta.url, './validate-thread', { source: await threadFiles(files), version }, { nice: THREAD_NICE })
  try {
    const result = await new Promise<ValidateResult>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
      worker.once('exit', (code) => reject(new Error(`the validating thread exited (code ${code}) before finishing`)))
    })
    if (!result.valid) throw fromThreadError(result.error)
  } finally {
    worker.terminate().catch(() => {})
  }
}
