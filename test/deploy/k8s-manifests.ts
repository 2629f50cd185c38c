import assert from 'node:assert/strict'
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1'
import { Deployment } from 'kubernetes-models/apps/v1'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1'
import { PodMonitor, PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'
import { missing, run, yamlDocumentsToJson } from './tools.js'

/** The kustomizations under deploy/k8s that are rendered and validated. */
export const KUSTOMIZATIONS = ['deploy/k8s/base', 'deploy/k8s/overlays/dev', 'deploy/k8s/overlays/prod']

export const skipKubectl = missing('kubectl', ['version', '--client'], 'kubectl ships kustomize: https://kubernetes.io/docs/tasks/tools/')

interface Model { validate: () => void }
type ModelClass = new (data: any) => Model

/** The schema of every apiVersion/kind the manifests may hold; any other kind fails validation. */
const MODELS: Record<string, ModelClass> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule
}

/** Throws, naming the object, unless it matches the schema of its apiVersion and kind. */
export function validate (object: any): void {
  const name = `${object.kind}/${object.metadata?.name}`
  const Model = MODELS[`${object.apiVersion}/${object.kind}`]
  if (Model === undefined) throw new Error(`${name}: no schema for ${object.apiVersion} ${object.kind}`)
  try {
    new Model(object).validate()
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`)
  }
}

/** `kubectl kustomize <dir>` as objects. */
export function render (dir: string): any[] {
  const result = run('kubectl', ['kustomize', dir])
  assert.equal(result.status, 0, result.stderr)
  return yamlDocumentsToJson(result.stdout)
}

/** A rendered set of objects, looked up by kind and name (generated names carry a hash suffix). */
export class Rendered {
  constructor (readonly objects: any[]) {}

  all (kind: string): any[] {
    return this.objects.filter((o) => o.kind === kind)
  }

  find (kind: string, name: string): any {
    return this.objects.find((o) => o.kind === kind && o.metadata.name === name)
  }

  get (kind: string, name: string): any {
    const found = this.find(kind, name) ?? this.objects.find((o) => o.kind === kind && o.metadata.name.startsWith(`${name}-`))
    assert.ok(found, `${kind}/${name} is rendered`)
    return found
  }

  /** The settings a container gets from the ConfigMap. */
  config (): Record<string, string> {
    return this.get('ConfigMap', 'distillrec-config').data
  }
}

export function container (deployment: any): any {
  const [first] = deployment.spec.template.spec.containers
  return first
}

export function env (deployment: any, name: string): any {
  return (container(deployment).env ?? []).find((e: any) => e.name === name)
}

/** Whether a label selector selects the given labels (matchLabels only, which is all these use). */
export function selects (selector: any, labels: Record<string, string>): boolean {
  assert.equal(selector.matchExpressions, undefined, 'matchLabels only')
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v)
}
