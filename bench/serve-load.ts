/**
 * One autocannon load and what a serving benchmark reads from it, plus the small statistics
 * (median, spread) and the /metrics scrape the tables are built from.
 */
import autocannon from 'autocannon'

export interface LoadSpec {
  method: 'GET' | 'POST'
  /** Builds each request's path (with its query) and body; called once per request. */
  next: () => { path: string, body?: string }
}

export interface LoadOptions {
  connections: number
  /** Seconds; ignored when `amount` is given. */
  duration?: number
  /** Stop after this many requests instead of after `duration`. */
  amount?: number
}

export interface Run {
  /** Requests per second over the run. */
  reqs: number
  p50: number
  p99: number
  errors: number
  non2xx: number
  total: number
  seconds: number
}

const JSON_HEADERS = { 'content-type': 'application/json' }

/** Loads `origin` with `spec` for `duration` seconds or `amount` requests. */
export async function load (origin: string, spec: LoadSpec, options: LoadOptions): Promise<Run> {
  const result = await autocannon({
    url: origin,
    connections: options.connections,
    ...(options.amount === undefined ? { duration: options.duration } : { amount: options.amount }),
    requests: [{
      method: spec.method,
      ...(spec.method === 'POST' ? { headers: JSON_HEADERS } : {}),
      setupRequest: ((req: Record<string, unknown>) => {
        const { path, body } = spec.next()
        return body === undefined ? { ...req, path } : { ...req, path, body }
      }) as never
    }]
  })
  const total = result.requests.total
  const seconds = result.duration
  return {
    reqs: options.amount === undefined ? result.requests.average : total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total,
    seconds
  }
}

export function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export function spread (values: readonly number[], digits = 0): string {
  return `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`
}

/** The Prometheus text of `/metrics`. */
export async function scrape (origin: string): Promise<string> {
  const response = await fetch(`${origin}/metrics`)
  if (!response.ok) throw new Error(`${origin}/metrics answered ${response.status}`)
  return await response.text()
}

/** Sum of the series of `name` whose labels include every `labels` pair (0 when none). */
export function metricValue (text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const rest = line.slice(name.length)
    if (rest[0] !== ' ' && rest[0] !== '{') continue
    const wanted = Object.entries(labels).every(([key, value]) => rest.includes(`${key}="${value}"`))
    if (wanted) sum += Number(rest.slice(rest.lastIndexOf(' ') + 1))
  }
  return sum
}
