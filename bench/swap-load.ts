/**
 * One measured window of bench/swap.ts: autocannon on GET /recommend with rotating user ids, for a
 * fixed time or until stopped, with each answer's latency (autocannon's float milliseconds, not
 * its whole-millisecond histogram), status and X-Model-Version recorded.
 */
import autocannon from 'autocannon'

export interface Window {
  /** Requests per second over the window. */
  reqs: number
  total: number
  seconds: number
  p50: number
  p99: number
  non2xx: number
  /** Non-2xx answers by status. */
  statuses: Map<number, number>
  /** Socket errors, timeouts included. */
  errors: number
  timeouts: number
  /** Answers by the X-Model-Version they carried. */
  versions: Map<string, number>
}

export interface LoadWindow {
  /** Ends an open-ended window (no `seconds`); the answer in flight is still counted. */
  stop: () => void
  done: Promise<Window>
}

export interface WindowOptions {
  connections: number
  userIds: readonly string[]
  /** Omitted: runs until `stop()`. */
  seconds?: number
  k?: number
}

// an open-ended window is stopped by the caller long before this
const OPEN_ENDED_SECONDS = 3600

export function loadWindow (origin: string, { connections, userIds, seconds, k = 10 }: WindowOptions): LoadWindow {
  const paths = userIds.map((u) => `/recommend?userId=${encodeURIComponent(u)}&k=${k}`)
  let n = 0
  const latencies: number[] = []
  const statuses = new Map<number, number>()
  const versions = new Map<string, number>()
  let errors = 0
  let finish: (err: unknown, result: autocannon.Result) => void = () => {}
  const done = new Promise<Window>((resolve, reject) => {
    finish = (err, result) => {
      if (err !== null && err !== undefined) {
        reject(err instanceof Error ? err : new Error(String(err)))
        return
      }
      latencies.sort((a, b) => a - b)
      resolve({
        reqs: result.requests.total / result.duration,
        total: result.requests.total,
        seconds: result.duration,
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        non2xx: [...statuses.values()].reduce((a, b) => a + b, 0),
        statuses,
        errors,
        timeouts: result.timeouts,
        versions
      })
    }
  })
  const instance = autocannon({
    url: origin,
    connections,
    duration: seconds ?? OPEN_ENDED_SECONDS,
    requests: [{
      method: 'GET',
      setupRequest: ((req: Record<string, unknown>) => ({ ...req, path: paths[n++ % paths.length] })) as never,
      onResponse: (_status, _body, _context, headers) => {
        const version = (headers as Record<string, string> | undefined)?.['x-model-version'] ?? 'none'
        versions.set(version, (versions.get(version) ?? 0) + 1)
      }
    }]
  }, (err, result) => { finish(err, result) })
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    latencies.push(ms)
    if (status < 200 || status >= 300) statuses.set(status, (statuses.get(status) ?? 0) + 1)
  })
  instance.on('reqError', () => { errors++ })
  return { stop: () => { instance.stop() }, done }
}

export function percentile (sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]
}
