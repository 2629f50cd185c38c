import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { missing, readYaml, run, skipYaml } from './tools.js'

const CONFIG = 'deploy/prometheus.yml'

const skipPromtool = missing('promtool', ['--version'], 'apt-get install prometheus')

describe('deploy/prometheus.yml', () => {
  it('passes promtool check config', { skip: skipPromtool }, () => {
    const result = run('promtool', ['check', 'config', CONFIG])
    assert.equal(result.status, 0, result.stdout + result.stderr)
  })

  it('is checked by a validator that rejects a broken file', { skip: skipPromtool }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'distillrec-prom-'))
    try {
      const file = join(dir, 'prometheus.yml')
      writeFileSync(file, 'scrape_configs:\n  - job_name: x\n    scrape_interval: 5 seconds\n')
      assert.notEqual(run('promtool', ['check', 'config', file]).status, 0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('scrapes the compose API service on its listening port at /metrics every 5s', { skip: skipYaml }, () => {
    const compose = readYaml('docker-compose.yml')
    const api = compose.services.api
    const port = Number(api.environment?.PORT ?? 3000)
    const target = `api:${port}`
    const jobs: any[] = readYaml(CONFIG).scrape_configs
    const job = jobs.find(j => (j.static_configs ?? []).some((s: any) => s.targets.includes(target)))
    assert.ok(job, `no scrape job targets ${target}`)
    assert.equal(job.metrics_path ?? '/metrics', '/metrics')
    assert.equal(job.scrape_interval, '5s')
  })
})
