/**
 * One step of bench/shedding-knee.ts: GET /recommend offered open loop at a fixed rate (requests
 * leave on a clock, whether or not earlier ones were answered, as independent users would send
 * them), counted by outcome, with the latencies of the 2xx answers from the moment each request
 * was due, and the service's event-loop delay over the step.
 */
import { Agent, request } from 'node:http'
import { metricValue, scrape } from './serve-load.js'

export interface StepOptions {
  rate: number
  seconds: number
  /** Sockets the requests share; a request due while all are busy waits for one, and that wait counts in its latency. */
  connections: number
  /** A request not answered this long after it was due is abandoned and counted as failed. */
  timeoutSeconds: number
  /** A 2xx answered within this long after it was due counts as in time (the client still waits for it). */
  sloMs: number
  /** Builds the path (with query) of each request. */
  path: () => string
}

export interface StepResult {
  offered: number
  /** 2xx answers received during the step, per second (answers to its backlog after it are left out). */
  goodput: number
  /** 2xx answered within sloMs of being due, per second of the step. */
  inTime: number
  /** Share of the requests answered 503. */
  shedShare: number
  /** Timeouts, connection errors and statuses other than 2xx and 503. */
  failed: number
  p50: number
  p99: number
  /** Mean event-loop delay over the step (histogram mean minus its 10 ms resolution), the mean part of what load shedding compares (http/pressure-sampler.ts). */
  loopDelayMs: number
}

/** Load shedding (http/pressure-sampler.ts) and prom-client both sample the event loop at this resolution. */
const LOOP_RESOLUTION_MS = 10
/** Requests leave in small bursts on this tick, so the mean rate is exact over any second. */
const TICK_MS = 5

export async function offer (origin: string, o: StepOptions): Promise<StepResult> {
  // a scrape resets prom-client's event-loop histogram: the next one covers this step alone
  await scrape(origin)
  const { hostname, port } = new URL(origin)
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections })
  const latencies: number[] = []
  let okInStep = 0
  let okInTime = 0
  let shed = 0
  let failed = 0
  const pending = new Set<Promise<void>>()
  const started = performance.now()

  const send = (due: number): void => {
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => req.destroy(new Error('timed out')), Math.max(1, due + o.timeoutSeconds * 1000 - performance.now()))
      const finish = (outcome: 'ok' | 'shed' | 'failed'): void => {
        clearTimeout(timer)
        if (outcome === 'ok') {
          const now = performance.now()
          if (now <= started + o.seconds * 1000) okInStep++
          if (now - due <= o.sloMs) okInTime++
          latencies.push(now - due)
        } else if (outcome === 'shed') {
          shed++
        } else {
          failed++
        }
        resolve()
      }
      const req = request({ agent, host: hostname, port, path: o.path(), method: 'GET' }, (res) => {
        res.resume()
        res.once('end', () => finish(res.statusCode === 503 ? 'shed' : res.statusCode !== undefined && res.statusCode < 300 ? 'ok' : 'failed'))
        res.once('error', () => finish('failed'))
      })
      req.once('error', () => finish('failed'))
      req.end()
    })
    pending.add(done)
    done.then(() => pending.delete(done), () => {})
  }

  const total = Math.round(o.rate * o.seconds)
  let issued = 0
  while (issued < total) {
    const now = performance.now()
    const due = Math.min(total, Math.floor((now - started) / 1000 * o.rate))
    for (; issued < due; issued++) send(started + issued * 1000 / o.rate)
    await new Promise((resolve) => setTimeout(resolve, TICK_MS))
  }
  await Promise.all(pending)
  agent.destroy()
  const text = await scrape(origin)
  latencies.sort((a, b) => a - b)
  return {
    offered: o.rate,
    goodput: okInStep / o.seconds,
    inTime: okInTime / o.seconds,
    shedShare: shed / total,
    failed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    loopDelayMs: Math.max(0, metricValue(text, 'nodejs_eventloop_lag_mean_seconds') * 1000 - LOOP_RESOLUTION_MS)
  }
}

export function percentile (sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]
}
