import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createMetrics } from '../../src/metrics/metrics.js'
import { missing } from './tools.js'
import { freePort } from '../helpers/free-port.js'

/** Why the tests that need Debian's `prometheus` must skip, or false when it answers. */
export const skipPrometheus = missing('prometheus', ['--version'], 'apt-get install prometheus')

export interface Target { job: string, port: number }

export interface QueryResult { status: string, data?: { resultType: string, result: any[] }, errorType?: string, error?: string }

export interface Prometheus {
  url: string
  /** GET /api/v1/query; an HTTP 400/422 still resolves, with the API's error in the body. */
  query: (expr: string) => Promise<QueryResult>
  /** Resolves once every target's `up` is 1, that is, once each has been scraped successfully. */
  scraped: (targets: Target[], timeoutMs?: number) => Promise<void>
  /** Stops Prometheus (SIGKILL after 5 s) and removes its config and storage. */
  stop: () => Promise<void>
}

/**
 * Starts a real Prometheus on a free port, scraping each target on 127.0.0.1 every second, with a
 * temporary config and storage; `ruleFiles` (absolute paths) are evaluated every second too.
 */
export async function startPrometheus (targets: Target[], ruleFiles: string[] = []): Promise<Prometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-prometheus-'))
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: ruleFiles,
    scrape_configs: targets.map(({ job, port }) => ({ job_name: job, static_configs: [{ targets: [`127.0.0.1:${port}`] }] }))
  }
  // JSON is YAML: no YAML writer needed
  await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn'
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const exited = once(child, 'exit')

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    }
    await rm(dir, { recursive: true, force: true })
  }

  const query = async (expr: string): Promise<QueryResult> => {
    const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`)
    return await response.json() as QueryResult
  }

  const scraped = async (wanted: Target[], timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs
    const jobs = wanted.map(({ job }) => job)
    for (;;) {
      const result = await query(`up{job=~"${jobs.join('|')}"} == 1`)
      if (result.data?.result.length === jobs.length) return
      if (Date.now() > deadline) assert.fail(`no successful scrape of ${jobs.join(', ')} within ${timeoutMs} ms: ${JSON.stringify(result)}`)
      await sleep(200)
    }
  }

  try {
    await ready(url, child, () => stderr)
  } catch (err) {
    await stop()
    throw err
  }
  return { url, query, scraped, stop }
}

async function ready (url: string, child: ChildProcess, stderr: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) assert.fail(`prometheus exited with ${child.exitCode}: ${stderr()}`)
    const status = await fetch(`${url}/-/ready`).then((r) => r.status, () => 0)
    if (status === 200) return
    if (Date.now() > deadline) assert.fail(`prometheus not ready within ${timeoutMs} ms: ${stderr()}`)
    await sleep(100)
  }
}

const HISTOGRAM_SERIES = ['_bucket', '_count', '_sum']
const SUMMARY_SERIES = ['', '_count', '_sum']

/** Every series name the service's /metrics exposes: a histogram as its _bucket, _count and _sum. */
export async function exportedSeriesNames (): Promise<Set<string>> {
  const names = new Set<string>()
  for (const metric of await createMetrics().registry.getMetricsAsJSON()) {
    // prom-client types `type` as a numeric enum; at run time it is the exposition's type name
    const type = String(metric.type)
    const suffixes = type === 'histogram' ? HISTOGRAM_SERIES : type === 'summary' ? SUMMARY_SERIES : ['']
    for (const suffix of suffixes) names.add(metric.name + suffix)
  }
  return names
}

/**
 * The service's metric names a PromQL expression reads (distillrec_, nodejs_, process_). String
 * literals are dropped first, so a label value or regex that looks like a name is not counted.
 */
export function metricNames (expr: string): string[] {
  const code = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
  return [...code.matchAll(/(?<![\w:])((?:distillrec|nodejs|process)_[\w:]*)(?![\w:])/g)].map((m) => m[1])
}
