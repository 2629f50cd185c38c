/**
 * What bench/swap.ts asks a running service: the admin API (activate, redistill, jobs), the model
 * it reports in /health/ready, and the /metrics figures a swap could leak (tensors, heap).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { metricValue, scrape } from './serve-load.js'

export interface JobView {
  id: string
  state: 'queued' | 'running' | 'activated' | 'rejected' | 'failed' | 'cancelled'
  phase: string
  version?: number
  epoch?: number
  epochs?: number
  reason?: string
}

export interface MemoryFigures {
  tensors: number
  heapUsedBytes: number
  rssBytes: number
  /** Swaps the service counted, by outcome. */
  swapped: number
  refused: number
  swapSecondsSum: number
}

const FINISHED = new Set(['activated', 'rejected', 'failed', 'cancelled'])

export class AdminClient {
  readonly #headers: Record<string, string>

  constructor (readonly origin: string, token: string) {
    this.#headers = { authorization: `Bearer ${token}` }
  }

  /** POST /admin/models/:v/activate: 200 once this replica serves it. */
  async activate (version: number): Promise<{ status: number, ms: number, body: string }> {
    const started = performance.now()
    const response = await fetch(`${this.origin}/admin/models/${version}/activate`, { method: 'POST', headers: this.#headers })
    const body = await response.text()
    return { status: response.status, ms: performance.now() - started, body }
  }

  async redistill (request: Record<string, unknown>): Promise<string> {
    const response = await fetch(`${this.origin}/admin/redistill`, {
      method: 'POST',
      headers: { ...this.#headers, 'content-type': 'application/json' },
      body: JSON.stringify(request)
    })
    const body = await response.json() as { jobId?: string, message?: string }
    if (response.status !== 202 || body.jobId === undefined) throw new Error(`POST /admin/redistill answered ${response.status}: ${body.message ?? JSON.stringify(body)}`)
    return body.jobId
  }

  async job (id: string): Promise<JobView> {
    const response = await fetch(`${this.origin}/admin/jobs/${id}`, { headers: this.#headers })
    if (!response.ok) throw new Error(`GET /admin/jobs/${id} answered ${response.status}`)
    return await response.json() as JobView
  }

  /** Polls the job until `until` holds or it has ended; throws after `timeoutMs`. */
  async waitFor (id: string, until: (job: JobView) => boolean, timeoutMs: number, pollMs = 100): Promise<JobView> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const job = await this.job(id)
      if (until(job) || isFinished(job)) return job
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state}/${job.phase} after ${timeoutMs / 1000} s`)
      await sleep(pollMs)
    }
  }

  /** DELETE /admin/jobs/:id, then waits for the job to end. */
  async cancel (id: string, timeoutMs = 120_000): Promise<JobView> {
    const response = await fetch(`${this.origin}/admin/jobs/${id}`, { method: 'DELETE', headers: this.#headers })
    // 409: it ended between the last look and the DELETE
    if (response.status !== 202 && response.status !== 409) throw new Error(`DELETE /admin/jobs/${id} answered ${response.status}`)
    return await this.waitFor(id, isFinished, timeoutMs)
  }
}

export function isFinished (job: JobView): boolean {
  return FINISHED.has(job.state)
}

/** The model a replica reports in /health/ready (version 0 / popular before any student). */
export async function servedModel (origin: string): Promise<{ version: number, kind: string }> {
  const response = await fetch(`${origin}/health/ready`)
  const body = await response.json() as { model: { version: number, kind: string } }
  return body.model
}

export async function memoryFigures (origin: string): Promise<MemoryFigures> {
  const text = await scrape(origin)
  return {
    tensors: metricValue(text, 'distillrec_tfjs_tensors'),
    heapUsedBytes: metricValue(text, 'nodejs_heap_size_used_bytes'),
    rssBytes: metricValue(text, 'process_resident_memory_bytes'),
    swapped: metricValue(text, 'distillrec_model_swaps_total', { outcome: 'swapped' }),
    refused: metricValue(text, 'distillrec_model_swaps_total', { outcome: 'refused' }),
    swapSecondsSum: metricValue(text, 'distillrec_model_swap_duration_seconds_sum')
  }
}
