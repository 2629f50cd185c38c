/**
 * `npm run k8s:rules`: writes base/prometheus-rule.yaml, the Prometheus Operator PrometheusRule whose
 * spec.groups are deploy/alerts.yml's groups, so the compose stack and Kubernetes alert on the same
 * rules. The groups are copied as text, comments included (they hold the thresholds' reasons);
 * test/deploy/k8s.test.ts fails when the committed file differs from what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const ALERTS = fileURLToPath(new URL('../alerts.yml', import.meta.url))
export const RULE = fileURLToPath(new URL('base/prometheus-rule.yaml', import.meta.url))

const HEADER = `# Generated from deploy/alerts.yml by \`npm run k8s:rules\`: edit that file, then run it again.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: distillrec
spec:
`

/** The PrometheusRule for alerts.yml's text: everything from its `groups:` line, under `spec:`. */
export function prometheusRule (alerts: string): string {
  const start = alerts.search(/^groups:/m)
  if (start < 0) throw new Error('deploy/alerts.yml has no top-level groups:')
  const indented = alerts.slice(start).split('\n').map((line) => line === '' ? line : `  ${line}`)
  return HEADER + indented.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(RULE, prometheusRule(readFileSync(ALERTS, 'utf8')))
  process.stdout.write(`wrote ${RULE}\n`)
}
