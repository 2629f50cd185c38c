import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startServer, type Started } from '../integration/server-process.js'
import { exportedSeriesNames, metricNames, skipPrometheus, startPrometheus, type Prometheus } from './prometheus-process.js'
import { readYaml, root, skipYaml } from './tools.js'

const DASHBOARD = 'deploy/grafana/dashboards/distillrec.json'
const DATASOURCES = 'deploy/grafana/provisioning/datasources/prometheus.yml'
const PROVIDERS = 'deploy/grafana/provisioning/dashboards/distillrec.yml'

/** What issue 11 asks the dashboard to show, as the series that show it. */
const REQUIRED = [
  'distillrec_http_request_duration_seconds_count', // request rate, error ratio
  'distillrec_http_request_duration_seconds_bucket', // p50/p99 by route
  'distillrec_cache_requests_total',
  'distillrec_scoring_duration_seconds_bucket',
  'distillrec_scoring_batch_size_count',
  'distillrec_model_version',
  'distillrec_redistill_runs_total',
  'distillrec_redistill_run_duration_seconds_count',
  'distillrec_validation_ndcg',
  'distillrec_redis_up',
  'nodejs_eventloop_lag_p99_seconds',
  'distillrec_online_impressions_total', // issue 22: online figures per version and arm
  'distillrec_online_lists_with_event_total',
  'distillrec_online_attributed_rank_bucket'
]

/** Grafana's own variables, as a panel over the last hour would expand them. */
const BUILT_INS: Record<string, string> = { __rate_interval: '1m', __interval: '15s', __range: '1h', __range_s: '3600' }

interface Query { panel: string, expr: string }

const dashboard = JSON.parse(readFileSync(join(root, DASHBOARD), 'utf8'))
const allPanels: any[] = dashboard.panels.flatMap((p: any) => [p, ...(p.panels ?? [])])
const panels = allPanels.filter((p) => p.type !== 'row')
const variables: any[] = dashboard.templating?.list ?? []
const queries: Query[] = panels.flatMap((p) => p.targets.map((t: any) => ({ panel: p.title, expr: t.expr })))
// label_values(metric, label) is Grafana syntax, run as a series match
const variableMatches = variables.map((v) => {
  const match = /^label_values\((.+),\s*(\w+)\)$/.exec(v.query?.query ?? v.query)
  assert.ok(match, `variable ${v.name}: only label_values(selector, label) queries are understood`)
  return { name: v.name, selector: match[1], label: match[2] }
})

/** The expression with every variable replaced as Grafana would ("All" for the dashboard's own). */
function expand (expr: string): string {
  const own = Object.fromEntries(variables.map((v) => [v.name, v.allValue ?? '.*']))
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (whole, ...names: Array<string | undefined>) => {
    const name = names.slice(0, 3).find((n) => n !== undefined)!
    const value = own[name] ?? BUILT_INS[name]
    assert.ok(value !== undefined, `${whole} in ${JSON.stringify(expr)} is not a variable of the dashboard`)
    return value
  })
}

describe('deploy/grafana dashboard', () => {
  it('gives every panel a unique id and at least one query with its own refId', () => {
    const ids = allPanels.map((p) => p.id)
    assert.equal(new Set(ids).size, ids.length, `duplicate panel ids in ${ids.join(', ')}`)
    for (const panel of panels) {
      const refIds = panel.targets.map((t: any) => t.refId)
      assert.ok(refIds.length > 0, `${panel.title} has no query`)
      assert.equal(new Set(refIds).size, refIds.length, `${panel.title} repeats a refId`)
    }
  })

  it('lays the panels out on the 24-column grid without overlaps', () => {
    const boxes = allPanels.map((p) => ({ title: p.title, ...p.gridPos }))
    for (const [i, a] of boxes.entries()) {
      assert.ok(a.x >= 0 && a.x + a.w <= 24, `${a.title} leaves the grid`)
      for (const b of boxes.slice(i + 1)) {
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y
        assert.ok(apart, `${a.title} overlaps ${b.title}`)
      }
    }
  })

  it('shows traffic, latency, errors, cache, scoring, versions, runs, NDCG, Redis and event-loop lag', () => {
    const used = new Set(queries.flatMap((q) => metricNames(q.expr)))
    assert.deepEqual(REQUIRED.filter((name) => !used.has(name)), [])
  })

  it('reads only series the service exports', async () => {
    const exported = await exportedSeriesNames()
    const all = [...queries, ...variableMatches.map((v) => ({ panel: `variable ${v.name}`, expr: v.selector }))]
    const unknown = all.flatMap((q) => metricNames(q.expr).filter((n) => !exported.has(n)).map((n) => `${q.panel}: ${n}`))
    assert.deepEqual(unknown, [])
  })

  it('uses only variables it defines or Grafana provides', () => {
    for (const { expr } of queries) expand(expr)
  })

  describe('provisioning', { skip: skipYaml }, () => {
    it('queries the provisioned Prometheus data source from every panel and variable', () => {
      const [source] = readYaml(DATASOURCES).datasources
      assert.equal(source.type, 'prometheus')
      assert.equal(source.url, 'http://prometheus:9090')
      for (const item of [...panels, ...panels.flatMap((p) => p.targets), ...variables]) {
        assert.deepEqual(item.datasource, { type: 'prometheus', uid: source.uid }, item.title ?? item.refId ?? item.name)
      }
    })

    it('loads the dashboards from where docker-compose mounts deploy/grafana/dashboards', () => {
      const [provider] = readYaml(PROVIDERS).providers
      const grafana = readYaml('docker-compose.yml').services.grafana
      assert.ok(grafana, 'no grafana service in docker-compose.yml')
      const volumes: string[] = grafana.volumes
      assert.ok(volumes.includes(`./deploy/grafana/dashboards:${provider.options.path}:ro`), volumes.join(', '))
      assert.ok(volumes.includes('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro'), volumes.join(', '))
    })
  })

  describe('against a real Prometheus scraping the service', { skip: skipPrometheus }, () => {
    let dir: string
    let server: Started | undefined
    let prometheus: Prometheus | undefined

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'distillrec-dashboard-'))
      server = await startServer({ EVENT_LOG_PATH: join(dir, 'events.jsonl'), MODELS_DIR: join(dir, 'models') })
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/recommend?userId=u1&k=3`)).status, 200)
      const target = { job: 'distillrec-api', port: server.port }
      prometheus = await startPrometheus([target])
      await prometheus.scraped([target])
    })

    after(async () => {
      await prometheus?.stop()
      server?.child.kill('SIGKILL')
      await rm(dir, { recursive: true, force: true })
    })

    it('runs every panel query without an error', async () => {
      const failed: string[] = []
      for (const { panel, expr } of queries) {
        const answer = await prometheus!.query(expand(expr))
        if (answer.status !== 'success') failed.push(`${panel}: ${answer.errorType} ${answer.error} in ${expr}`)
      }
      assert.deepEqual(failed, [])
    })

    it('lists the scraped instance in the instance variable', async () => {
      for (const { name, selector, label } of variableMatches) {
        const params = new URLSearchParams({ 'match[]': selector })
        const answer = await (await fetch(`${prometheus!.url}/api/v1/label/${label}/values?${params}`)).json() as any
        assert.equal(answer.status, 'success', `variable ${name}: ${answer.error}`)
        assert.deepEqual(answer.data, [`127.0.0.1:${server!.port}`], `variable ${name}`)
      }
    })

    it('draws request rate and the serving version from the live series', async () => {
      const byTitle = (title: string): string => expand(panels.find((p) => p.title === title)!.targets[0].expr)
      // a rate needs two scrapes
      const deadline = Date.now() + 10_000
      while ((await prometheus!.query(byTitle('Request rate by route'))).data?.result.length === 0) {
        if (Date.now() > deadline) assert.fail('no request rate within 10 s')
        await sleep(200)
      }
      const versions = (await prometheus!.query(byTitle('Serving version per replica'))).data!.result
      assert.deepEqual(versions.map((r) => r.metric.instance), [`127.0.0.1:${server!.port}`])
    })
  })
})
