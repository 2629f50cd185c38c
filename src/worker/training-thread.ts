/**
 * Entry point of the worker thread a re-distillation trains in, so that training, synchronous
 * between steps, never holds the event loop that serves requests or renews the run lock. It gets
 * its own TF.js backend, posts progress, and stops within one step once the parent sets the
 * shared cancel flag.
 */
import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import { selectBackend } from '../tf/backend.js'
import type { BackendName } from '../tf/backend-name.js'
import { redistill, type RedistillInput } from './redistill-run.js'
import type { ThreadMessage } from './run-in-thread.js'

const { input, cancel, backend, nice } = workerData as { input: RedistillInput, cancel: Int32Array, backend: BackendName | undefined, nice: number | undefined }
const post = (message: ThreadMessage): void => parentPort!.postMessage(message)

try {
  if (nice !== undefined) {
    // a training step never delays a request on the serving thread beside it: on Linux the
    // nice value set with pid 0 is this thread's alone
    try {
      setPriority(nice)
      post({ type: 'log', line: `training thread nice ${nice}` })
    } catch (err) {
      post({ type: 'log', line: `training thread keeps its priority: ${(err as Error).message}` })
    }
  }
  // tfjs-node's native addon may refuse a second thread in one process (tensorflow/tfjs#8388):
  // selectBackend then falls back to wasm, and the log says which one trained
  post({ type: 'log', line: `training backend: ${await selectBackend(backend)}` })
  const outcome = await redistill(input, {
    signal: { get aborted () { return Atomics.load(cancel, 0) === 1 } },
    phase: (phase) => post({ type: 'phase', phase }),
    epoch: (figures) => post({ type: 'epoch', figures }),
    log: (line, fields) => post({ type: 'log', line, fields })
  })
  post({ type: 'done', outcome })
} catch (err) {
  const e = err as Error & { code?: string }
  post({ type: 'failed', message: e.message, code: e.code, stack: e.stack })
}
