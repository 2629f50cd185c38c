import { RunCancelledError } from '../distill/run-cancelled.js'
import { startThread } from '../threads/start-thread.js'
import type { BackendName } from '../tf/backend-name.js'
import type { EpochFigures, RunPhase } from '../stores/job.js'
import type { LogFields } from '../distill/training/progress.js'
import type { RedistillHooks, RedistillInput, RedistillOutcome } from './redistill-run.js'

export type ThreadMessage =
  | { type: 'phase', phase: RunPhase }
  | { type: 'epoch', figures: EpochFigures & { epochs: number, etaSeconds: number } }
  | { type: 'log', line: string, fields?: LogFields }
  | { type: 'done', outcome: RedistillOutcome }
  | { type: 'failed', message: string, code?: string, stack?: string }

/** After a cancel, a thread stuck outside the step loop (e.g. computing targets) is terminated after this. */
const CANCEL_GRACE_MS = 3000

export interface ThreadSettings {
  backend?: BackendName
  /** Nice value the thread gives itself (Linux nice values are per thread); absent keeps the process's. */
  nice?: number
}

/**
 * Runs `redistill` in a worker thread. Aborting `signal` sets a flag the thread checks between
 * steps (RunCancelledError once it stops); a thread that throws, exits or dies rejects with its error.
 */
export async function runInThread (input: RedistillInput, hooks: Omit<RedistillHooks, 'signal'>, signal: AbortSignal, thread: ThreadSettings = {}): Promise<RedistillOutcome> {
  const cancel = new Int32Array(new SharedArrayBuffer(4))
  const worker = startThread(import.meta.url, './training-thread', { input, cancel, backend: thread.backend, nice: thread.nice })
  return await new Promise<RedistillOutcome>((resolve, reject) => {
    let settled = false
    let killer: NodeJS.Timeout | undefined
    const settle = (fn: () => void): void => {
      if (settled) return
      settled = true
      signal.removeEventListener('abort', onAbort)
      clearTimeout(killer)
      fn()
      // the thread has posted its last word; it ends by itself, or now
      worker.terminate().catch(() => {})
    }
    const onAbort = (): void => {
      Atomics.store(cancel, 0, 1)
      killer = setTimeout(() => settle(() => reject(new RunCancelledError('cancelled (the training thread was terminated)'))), CANCEL_GRACE_MS)
    }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
    worker.on('message', (message: ThreadMessage) => {
      switch (message.type) {
        case 'phase': hooks.phase(message.phase); break
        case 'epoch': hooks.epoch(message.figures); break
        case 'log': hooks.log(message.line, message.fields); break
        case 'done': settle(() => resolve(message.outcome)); break
        case 'failed':
          settle(() => reject(message.code === RunCancelledError.CODE ? new RunCancelledError(message.message) : Object.assign(new Error(message.message), { code: message.code })))
          break
      }
    })
    worker.on('error', (err) => settle(() => reject(err)))
    worker.on('exit', (code) => settle(() => reject(new Error(`the training thread exited (code ${code}) before finishing`))))
  })
}
