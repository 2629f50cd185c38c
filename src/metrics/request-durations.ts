import type { Histogram, Registry } from 'prom-client'

type Label = 'route' | 'method' | 'status_code'
type SeriesLabels = Record<Label, string | number>

/** One label set: observations per bucket (not cumulative; the last is +Inf only), their sum and count. */
class Series {
  readonly counts: Float64Array
  sum = 0
  count = 0

  constructor (readonly labels: SeriesLabels, buckets: number) {
    this.counts = new Float64Array(buckets + 1)
  }
}

/** A value as prom-client's registry reads it: `labels` first, then the series' own (`sharedLabels`). */
interface Value {
  labels: Record<string, string | number>
  sharedLabels: SeriesLabels
  value: number
  metricName: string
}

/**
 * The request-duration histogram by route, method and status code, read exactly as a prom-client
 * Histogram of the same name and buckets is (the registry's text and `get()`), but observed with a
 * few map look-ups and additions: prom-client's `observe(labels, value)` allocates, checks every
 * label and builds a hash string per call, a cost every request paid.
 */
export class RequestDurations {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly labelNames: readonly Label[] = ['route', 'method', 'status_code']
  readonly name: string
  readonly help: string
  readonly #bounds: readonly number[]
  #routes = new Map<string, Map<string, Map<number, Series>>>()

  constructor ({ name, help, buckets, registers }: { name: string, help: string, buckets: readonly number[], registers: readonly Registry[] }) {
    this.name = name
    this.help = help
    this.#bounds = [...buckets].sort((a, b) => a - b)
    // the registry reads any object with prom-client's metric shape; its types list only its own classes
    for (const registry of registers) registry.registerMetric(this as unknown as Histogram)
  }

  observe (route: string, method: string, statusCode: number, seconds: number): void {
    if (!Number.isFinite(seconds)) throw new TypeError(`not a finite number of seconds: ${seconds}`)
    let methods = this.#routes.get(route)
    if (methods === undefined) this.#routes.set(route, methods = new Map())
    let statuses = methods.get(method)
    if (statuses === undefined) methods.set(method, statuses = new Map())
    let series = statuses.get(statusCode)
    if (series === undefined) statuses.set(statusCode, series = new Series({ route, method, status_code: statusCode }, this.#bounds.length))
    const bounds = this.#bounds
    let b = 0
    while (b < bounds.length && seconds > bounds[b]) b++
    series.counts[b]++
    series.sum += seconds
    series.count++
  }

  reset (): void {
    this.#routes = new Map()
  }

  /** What prom-client's registry writes the text from. */
  async getForPromString (): Promise<{ name: string, help: string, type: 'histogram', values: Value[], aggregator: 'sum' }> {
    const values: Value[] = []
    const bucket = `${this.name}_bucket`
    for (const methods of this.#routes.values()) {
      for (const statuses of methods.values()) {
        for (const series of statuses.values()) {
          let cumulative = 0
          for (let b = 0; b < this.#bounds.length; b++) {
            cumulative += series.counts[b]
            values.push({ labels: { le: this.#bounds[b] }, sharedLabels: series.labels, value: cumulative, metricName: bucket })
          }
          values.push(
            { labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: bucket },
            { labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum` },
            { labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count` }
          )
        }
      }
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  /** As prom-client's Histogram#get: each value's labels are its own and its series'. */
  async get (): Promise<{ name: string, help: string, type: 'histogram', values: Array<{ labels: Record<string, string | number>, value: number, metricName: string }>, aggregator: 'sum' }> {
    const data = await this.getForPromString()
    return { ...data, values: data.values.map(({ labels, sharedLabels, value, metricName }) => ({ labels: { ...labels, ...sharedLabels }, value, metricName })) }
  }
}
