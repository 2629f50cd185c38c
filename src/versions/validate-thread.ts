/**
 * Entry point of the thread a large student version is validated in before it is activated
 * (validate-student.ts starts it): the same checks as loading it, off the event loop that serves.
 * Imports no TF.js.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { readStudentValues } from '../models/artifact/read-student.js'
import { filesInThread, toThreadError, type ThreadFiles } from '../models/artifact/thread-files.js'
import type { ValidateResult } from './validate-student.js'

const { source, version } = workerData as { source: ThreadFiles, version: number }
const post = (message: ValidateResult): void => parentPort!.postMessage(message)

try {
  await readStudentValues(filesInThread(source), version)
  post({ valid: true })
} catch (err) {
  post({ valid: false, error: toThreadError(err) })
}
