import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const CONFIG = 'deploy/prometheus.yml'

function run (cmd: string, args: string[], input?: string) {
  return spawnSync(cmd, args, { cwd: root, encoding: 'utf8', input, timeout: 30_000 })
}

/** Why a test must skip, or false when the tool answers. */
function missing (cmd: string, args: string[], hint: string): string | false {
  const probe = run(cmd, args)
  return probe.error || probe.status !== 0 ? `${cmd} ${args.join(' ')} unavailable (${hint})` : false
}

// python3-yaml comes with Debian's docker-compose and prometheus tooling; no JS YAML dependency.
function readYaml (path: string): any {
  const script = 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'
  const result = run('python3', ['-c', script], readFileSync(join(root, path), 'utf8'))
  assert.equal(result.status, 0, result.stderr)
  return JSON.parse(result.stdout)
}

const skipPromtool = missing('promtool', ['--version'], 'apt-get install prometheus')
const skipYaml = missing('python3', ['-c', 'import yaml'], 'apt-get install python3-yaml')

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
