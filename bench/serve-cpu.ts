import { median, spread } from './serve-load.js'
import type { Measured } from './serve-report.js'

/**
 * CPU per request of the service and of hello-world in the same runs, and hello's over the
 * service's: what the service costs per request next to the cheapest route, whatever share of the
 * cores the load generator and other work took. Undefined when no row has CPU figures.
 */
export function cpuTable (rows: readonly Measured[]): string | undefined {
  const measured = rows.filter((m) => m.cpu !== undefined)
  if (measured.length === 0) return undefined
  const lines = [
    '| scenario | catalogue | store | service us/request | hello us/request | hello / service (median of runs) |',
    '|:---------|----------:|------:|-------------------:|-----------------:|---------------------------------:|'
  ]
  for (const m of measured) {
    const { service, hello } = m.cpu as { service: number[], hello: number[] }
    const ratios = service.map((s, i) => hello[i] / s)
    lines.push(`| ${m.scenario.name} | ${m.catalogue} | ${m.store} | ${median(service).toFixed(0)} (${spread(service)}) | ${median(hello).toFixed(0)} (${spread(hello)}) | ${median(ratios).toFixed(3)} (${spread(ratios, 3)}) |`)
  }
  return lines.join('\n')
}
