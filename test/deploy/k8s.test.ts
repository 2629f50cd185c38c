import { before, describe, it } from 'node:test'
import { SERVICE_NODE_FLAGS } from '../../src/threads/service-flags.js'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ALERTS, RULE, prometheusRule } from '../../deploy/k8s/prometheus-rule.js'
import { KUSTOMIZATIONS, Rendered, container, env, render, selects, skipKubectl, validate } from './k8s-manifests.js'
import { readYaml, run, skipYaml } from './tools.js'

const DEPLOYMENTS = ['distillrec-api', 'distillrec-admin', 'distillrec-worker']
const SERVING = ['distillrec-api', 'distillrec-admin']

describe('deploy/k8s', () => {
  it('holds the PrometheusRule npm run k8s:rules writes from deploy/alerts.yml', () => {
    assert.equal(readFileSync(RULE, 'utf8'), prometheusRule(readFileSync(ALERTS, 'utf8')),
      'deploy/k8s/base/prometheus-rule.yaml differs from deploy/alerts.yml: run npm run k8s:rules')
  })

  describe('as rendered by kubectl kustomize', { skip: skipKubectl || skipYaml }, () => {
    const sets: Record<string, Rendered> = {}
    const each = (fn: (set: Rendered, dir: string) => void): void => {
      for (const dir of KUSTOMIZATIONS) fn(sets[dir], dir)
    }
    before(() => {
      for (const dir of KUSTOMIZATIONS) sets[dir] = new Rendered(render(dir))
    })

    it('renders the base and every overlay, each object valid against its Kubernetes schema', () => {
      each((set, dir) => {
        assert.ok(set.objects.length >= 12, dir)
        for (const object of set.objects) validate(object)
      })
    })

    it('is checked by validators that reject a broken manifest and a broken kustomization', () => {
      const deployment = structuredClone(sets['deploy/k8s/base'].get('Deployment', 'distillrec-api'))
      delete container(deployment).readinessProbe.httpGet.port
      assert.throws(() => validate(deployment), /readinessProbe\/httpGet must have required property port/)
      assert.throws(() => validate({ ...deployment, spec: { ...deployment.spec, replicas: 'three' } }), /replicas must be integer/)
      assert.throws(() => validate({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' } }), /no schema/)
      const dir = mkdtempSync(join(tmpdir(), 'distillrec-k8s-'))
      try {
        writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - missing.yaml\n')
        assert.notEqual(run('kubectl', ['kustomize', dir]).status, 0)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })

    it('starts the API with a startup probe, then readiness on /health/ready and liveness on /health/live', () => {
      each((set) => {
        for (const name of SERVING) {
          const c = container(set.get('Deployment', name))
          assert.deepEqual(c.command, ['node', ...SERVICE_NODE_FLAGS, 'dist/src/server.js'])
          assert.equal(c.ports[0].containerPort, Number(set.config().PORT))
          assert.equal(c.startupProbe.httpGet.path, '/health/live')
          assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 120, 'two minutes or more to load a model')
          assert.equal(c.readinessProbe.httpGet.path, '/health/ready')
          assert.equal(c.livenessProbe.httpGet.path, '/health/live')
          assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, name)
        }
      })
    })

    it('runs every container non-root on a read-only root filesystem, with volumes where it writes', () => {
      each((set, dir) => {
        const config = set.config()
        // with EVENT_LOG=file the event log would need a volume at EVENT_LOG_PATH
        assert.equal(config.EVENT_LOG, 'redis')
        for (const deployment of set.all('Deployment')) {
          const pod = deployment.spec.template.spec
          const where = `${dir} ${deployment.metadata.name}`
          assert.equal(pod.securityContext.runAsNonRoot, true, where)
          for (const c of pod.containers) {
            assert.equal(c.securityContext.readOnlyRootFilesystem, true, where)
            assert.equal(c.securityContext.allowPrivilegeEscalation, false, where)
            assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], where)
          }
        }
        for (const name of DEPLOYMENTS) {
          const deployment = set.get('Deployment', name)
          const mounts = container(deployment).volumeMounts.map((m: any) => m.mountPath)
          assert.ok(mounts.includes(config.MODELS_DIR) && mounts.includes('/tmp'), `${dir} ${name}: ${mounts}`)
        }
        const workerModels = set.get('Deployment', 'distillrec-worker').spec.template.spec.volumes.find((v: any) => v.name === 'models')
        assert.equal(set.get('PersistentVolumeClaim', workerModels.persistentVolumeClaim.claimName).spec.accessModes[0], 'ReadWriteOnce')
      })
    })

    it('lets a replica drain: preStop sleep + SHUTDOWN_TIMEOUT_MS fit in terminationGracePeriodSeconds', () => {
      each((set) => {
        const shutdownMs = Number(set.config().SHUTDOWN_TIMEOUT_MS)
        assert.ok(shutdownMs >= 1000)
        for (const name of SERVING) {
          const deployment = set.get('Deployment', name)
          const [sleep, seconds] = container(deployment).lifecycle.preStop.exec.command
          assert.equal(sleep, 'sleep')
          assert.ok(Number(seconds) >= 3, 'long enough for endpoints to drop the pod')
          assert.ok(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000 > Number(seconds) * 1000 + shutdownMs, name)
        }
        assert.ok(set.get('Deployment', 'distillrec-worker').spec.template.spec.terminationGracePeriodSeconds * 1000 > shutdownMs)
      })
    })

    it('runs the worker as its own Deployment, and the replicas with WORKER=off', () => {
      each((set) => {
        const config = set.config()
        assert.equal(config.WORKER, 'off')
        const worker = set.get('Deployment', 'distillrec-worker')
        assert.equal(worker.spec.replicas, 1)
        assert.equal(worker.spec.strategy.type, 'Recreate')
        const c = container(worker)
        assert.deepEqual(c.command, ['node', 'dist/src/worker.js'])
        assert.equal(c.ports[0].containerPort, Number(config.WORKER_METRICS_PORT))
        assert.equal(c.livenessProbe.httpGet.path, '/health')
        for (const name of DEPLOYMENTS) {
          const deployment = set.get('Deployment', name)
          assert.equal(env(deployment, 'REDIS_URL').value, 'redis://:$(REDIS_PASSWORD)@$(REDIS_HOST):$(REDIS_PORT)', name)
          assert.equal(env(deployment, 'REDIS_PASSWORD').valueFrom.secretKeyRef.key, 'REDIS_PASSWORD')
          assert.ok(container(deployment).envFrom.some((e: any) => e.configMapRef.name === set.get('ConfigMap', 'distillrec-config').metadata.name))
        }
      })
    })

    it('sets ADMIN_TOKEN on the internal admin pods only, which a NetworkPolicy opens to this namespace alone', () => {
      each((set, dir) => {
        assert.equal(env(set.get('Deployment', 'distillrec-api'), 'ADMIN_TOKEN'), undefined, dir)
        assert.equal(env(set.get('Deployment', 'distillrec-worker'), 'ADMIN_TOKEN'), undefined, dir)
        assert.equal(env(set.get('Deployment', 'distillrec-admin'), 'ADMIN_TOKEN').valueFrom.secretKeyRef.key, 'ADMIN_TOKEN')
        assert.ok(!('ADMIN_TOKEN' in set.config()), 'no token in the ConfigMap')
        const adminPod = set.get('Deployment', 'distillrec-admin').spec.template.metadata.labels
        const policies = set.all('NetworkPolicy').filter((p) => selects(p.spec.podSelector, adminPod))
        assert.equal(policies.length, 1, `${dir}: one policy selects the admin pods`)
        const [rule, ...more] = policies[0].spec.ingress
        assert.deepEqual(more, [])
        assert.ok(rule.from.length > 0 && rule.from.every((peer: any) => peer.ipBlock === undefined && (peer.namespaceSelector === undefined
          ? Object.keys(peer.podSelector).length === 0
          : peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name'] === 'monitoring')), 'this namespace and Prometheus\'s only')
        for (const name of ['distillrec-api', 'distillrec-admin']) {
          const service = set.get('Service', name)
          assert.equal(service.spec.type, 'ClusterIP')
          assert.ok(selects({ matchLabels: service.spec.selector }, set.get('Deployment', name).spec.template.metadata.labels), name)
          assert.ok(!selects({ matchLabels: service.spec.selector }, set.get('Deployment', name === 'distillrec-api' ? 'distillrec-admin' : 'distillrec-api').spec.template.metadata.labels), name)
        }
      })
    })

    it('generates development secrets in dev and commits none for prod', () => {
      assert.ok(sets['deploy/k8s/overlays/dev'].get('Secret', 'distillrec-secrets').data.ADMIN_TOKEN)
      assert.equal(sets['deploy/k8s/overlays/prod'].all('Secret').length, 0)
      assert.equal(sets['deploy/k8s/base'].all('Secret').length, 0)
    })

    it('scales prod from 3 replicas with an autoscaling/v2 HPA on CPU and the adapter\'s request rate', () => {
      const prod = sets['deploy/k8s/overlays/prod']
      const hpa = prod.get('HorizontalPodAutoscaler', 'distillrec-api')
      assert.equal(hpa.apiVersion, 'autoscaling/v2')
      assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'distillrec-api' })
      assert.ok(hpa.spec.minReplicas >= 3 && hpa.spec.maxReplicas > hpa.spec.minReplicas)
      assert.equal(prod.get('Deployment', 'distillrec-api').spec.replicas, undefined, 'the HPA owns the count')
      assert.ok(hpa.spec.metrics.some((m: any) => m.type === 'Resource' && m.resource.name === 'cpu'))
      const pods = hpa.spec.metrics.find((m: any) => m.type === 'Pods')
      const adapter = readYaml('deploy/k8s/prometheus-adapter/rules.yaml').rules.custom
      assert.ok(adapter.some((r: any) => r.name.as === pods.pods.metric.name && r.seriesQuery.startsWith('distillrec_http_request_duration_seconds_count{')))
      assert.ok(prod.get('Deployment', 'distillrec-api').spec.template.spec.containers[0].resources.requests.cpu, 'CPU utilisation needs a request')
      assert.equal(sets['deploy/k8s/overlays/dev'].get('Deployment', 'distillrec-api').spec.replicas, 1)
      assert.equal(sets['deploy/k8s/overlays/dev'].find('HorizontalPodAutoscaler', 'distillrec-api'), undefined)
    })

    it('keeps API replicas up through voluntary disruptions: 2 available in prod', () => {
      each((set) => {
        const pdb = set.get('PodDisruptionBudget', 'distillrec-api')
        assert.ok(selects(pdb.spec.selector, set.get('Deployment', 'distillrec-api').spec.template.metadata.labels))
      })
      const prod = sets['deploy/k8s/overlays/prod'].get('PodDisruptionBudget', 'distillrec-api').spec
      assert.equal(prod.minAvailable, 2)
      assert.equal(prod.maxUnavailable, undefined)
    })

    it('alerts with deploy/alerts.yml\'s groups and scrapes every pod under the job names they match', () => {
      const alerts = readYaml('deploy/alerts.yml').groups
      each((set) => {
        assert.deepEqual(set.get('PrometheusRule', 'distillrec').spec.groups, alerts)
        const monitor = set.get('PodMonitor', 'distillrec')
        assert.deepEqual(monitor.spec.podMetricsEndpoints.map((e: any) => `${e.port} ${e.path}`), ['http /metrics', 'metrics /metrics'])
        for (const name of DEPLOYMENTS) {
          const labels = set.get('Deployment', name).spec.template.metadata.labels
          assert.ok(selects(monitor.spec.selector, labels), name)
          assert.match(labels[monitor.spec.jobLabel], /^distillrec-(api|worker)$/)
        }
      })
    })
  })
})
