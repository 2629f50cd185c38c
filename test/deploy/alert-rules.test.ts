import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportedSeriesNames, metricNames } from './prometheus-process.js'
import { missing, readYaml, run, skipYaml } from './tools.js'

const RULES = 'deploy/alerts.yml'
const TESTS = 'deploy/alerts.test.yml'

/** What issue 11 asks to be alerted on. */
const REQUIRED = [
  'DistillrecDown',
  'DistillrecRecommendLatencyOverBudget',
  'DistillrecErrorRatioHigh',
  'DistillrecRedisDown',
  'DistillrecRedistillFailing',
  'DistillrecRedistillStale',
  'DistillrecVersionSkew',
  'DistillrecPopularityFallbackHigh'
]

const skipPromtool = missing('promtool', ['--version'], 'apt-get install prometheus')

describe('deploy/alerts.yml', () => {
  it('passes promtool check rules', { skip: skipPromtool }, () => {
    const result = run('promtool', ['check', 'rules', RULES])
    assert.equal(result.status, 0, result.stdout + result.stderr)
  })

  it('passes its unit tests in deploy/alerts.test.yml', { skip: skipPromtool }, () => {
    const result = run('promtool', ['test', 'rules', TESTS])
    assert.equal(result.status, 0, result.stdout + result.stderr)
  })

  it('is checked by tools that reject a broken rule and a failing unit test', { skip: skipPromtool }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'distillrec-rules-'))
    try {
      writeFileSync(join(dir, 'broken.yml'), 'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: rate(up[5m]\n')
      assert.notEqual(run('promtool', ['check', 'rules', join(dir, 'broken.yml')]).status, 0)
      writeFileSync(join(dir, 'rules.yml'), 'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: up == 0\n')
      writeFileSync(join(dir, 'test.yml'), [
        'rule_files: [rules.yml]',
        'tests:',
        '  - interval: 1m',
        '    input_series: [{ series: \'up{job="a"}\', values: "1 1" }]',
        '    alert_rule_test: [{ eval_time: 1m, alertname: X, exp_alerts: [{ exp_labels: { job: a } }] }]'
      ].join('\n'))
      assert.notEqual(run('promtool', ['test', 'rules', join(dir, 'test.yml')]).status, 0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  describe('as parsed', { skip: skipYaml }, () => {
    const rules = (): any[] => readYaml(RULES).groups.flatMap((g: any) => g.rules)

    it('alerts on everything issue 11 lists, each with a severity, a summary and a description', () => {
      const alerts = rules()
      assert.deepEqual(REQUIRED.filter((name) => !alerts.some((r) => r.alert === name)), [])
      for (const rule of alerts) {
        assert.match(rule.labels?.severity ?? '', /^(critical|warning)$/, rule.alert)
        assert.ok(rule.annotations?.summary && rule.annotations?.description, `${rule.alert} lacks a summary or description`)
      }
    })

    it('has a unit test where each alert fires and one where it stays quiet', () => {
      const cases = readYaml(TESTS).tests.flatMap((t: any) => t.alert_rule_test ?? [])
      const lacking = rules().filter((r) => r.alert !== undefined).flatMap((r) => {
        const own = cases.filter((c: any) => c.alertname === r.alert)
        return [
          ...(own.some((c: any) => (c.exp_alerts ?? []).length > 0) ? [] : [`${r.alert} never fires`]),
          ...(own.some((c: any) => (c.exp_alerts ?? []).length === 0) ? [] : [`${r.alert} is never quiet`])
        ]
      })
      assert.deepEqual(lacking, [])
    })

    it('reads only series the service exports', async () => {
      const exported = await exportedSeriesNames()
      const used = rules().flatMap((r) => metricNames(r.expr).map((name) => ({ rule: r.alert ?? r.record, name })))
      assert.ok(used.length >= REQUIRED.length, 'the name extraction finds the rules\' metrics')
      assert.deepEqual(used.filter(({ name }) => !exported.has(name)).map(({ rule, name }) => `${rule}: ${name}`), [])
    })
  })
})
