import { before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { missing, readYaml, root, run, skipYaml, yamlToJson } from './tools.js'

interface Mount { source: string, target: string }

function mounts (service: any): Mount[] {
  return (service.volumes ?? []).map((v: any) => {
    if (typeof v !== 'string') return { source: String(v.source), target: String(v.target) }
    const [source, target] = v.split(':')
    return { source, target }
  })
}

function publishedPorts (service: any): Array<{ published: number, target: number }> {
  return (service.ports ?? []).map((p: any) => {
    if (typeof p !== 'string') return { published: Number(p.published), target: Number(p.target) }
    const [published, target] = p.split(':').slice(-2)
    return { published: Number(published), target: Number(target) }
  })
}

const skipCompose = missing('docker-compose', ['version'], 'apt-get install docker-compose')
const skipComposeYaml = skipCompose || skipYaml

describe('docker-compose.yml', () => {
  it('passes docker-compose config -q', { skip: skipCompose }, () => {
    const result = run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'])
    assert.equal(result.status, 0, result.stderr)
  })

  it('is checked by a validator that rejects a broken file', { skip: skipCompose }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'distillrec-compose-'))
    try {
      const file = join(dir, 'docker-compose.yml')
      writeFileSync(file, 'services:\n  api:\n    image: x\n    depends_on: [nowhere]\n')
      assert.notEqual(run('docker-compose', ['-f', file, 'config', '-q']).status, 0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  describe('as resolved by docker-compose', { skip: skipComposeYaml }, () => {
    let services: Record<string, any>
    let namedVolumes: string[]

    before(() => {
      const result = run('docker-compose', ['-f', 'docker-compose.yml', 'config'])
      assert.equal(result.status, 0, result.stderr)
      const resolved = yamlToJson(result.stdout)
      services = resolved.services
      namedVolumes = Object.keys(resolved.volumes ?? {})
    })

    it('runs Redis 7 with append-only persistence on a named volume and a ping healthcheck', () => {
      const redis = services.redis
      assert.match(redis.image, /^redis:7/)
      const command: string[] = Array.isArray(redis.command) ? redis.command : redis.command.split(/\s+/)
      assert.equal(command[command.indexOf('--appendonly') + 1], 'yes')
      assert.ok(redis.healthcheck.test.includes('redis-cli') && redis.healthcheck.test.includes('ping'))
      const data = mounts(redis).find(m => m.target === '/data')
      assert.ok(data && namedVolumes.includes(data.source), 'Redis /data must live on a named volume')
    })

    it('builds the API from this repo and starts it only once Redis is healthy', () => {
      const api = services.api
      assert.equal(posix.normalize(String(api.build.context ?? api.build)).replace(/\/$/, ''), root.replace(/\/$/, ''))
      assert.equal(api.depends_on.redis.condition, 'service_healthy')
      const redisUrl = new URL(api.environment.REDIS_URL)
      assert.equal(redisUrl.hostname, 'redis')
      assert.ok(services[redisUrl.hostname], 'REDIS_URL must name the compose Redis service')
      assert.equal(redisUrl.port, '6379')
    })

    it('publishes the port the API listens on and keeps models and the event log on named volumes', () => {
      const api = services.api
      const port = Number(api.environment.PORT ?? 3000)
      assert.ok(publishedPorts(api).some(p => p.target === port), `container port ${port} is not published`)
      // a file event log must outlive the container; a Redis one lives in Redis
      const eventLog: string | undefined = api.environment.EVENT_LOG === 'redis' ? undefined : api.environment.EVENT_LOG_PATH
      for (const dir of [api.environment.MODELS_DIR, ...(eventLog === undefined ? [] : [posix.dirname(eventLog)])]) {
        const mount = mounts(api).find(m => m.target === dir)
        assert.ok(mount && namedVolumes.includes(mount.source), `${dir} must be on a named volume`)
      }
    })

    it('feeds Prometheus the repo scrape config at the path it loads', () => {
      const prometheus = services.prometheus
      assert.match(prometheus.image, /^prom\/prometheus/)
      const flag = (prometheus.command as string[]).find(c => c.startsWith('--config.file='))
      const configPath = flag?.split('=')[1] ?? '/etc/prometheus/prometheus.yml'
      const mount = mounts(prometheus).find(m => m.target === configPath)
      assert.equal(mount?.source, join(root, 'deploy/prometheus.yml'))
      assert.ok(publishedPorts(prometheus).some(p => p.target === 9090))
    })

    it('runs two API replicas without a worker of their own, and the worker beside them on the same Redis and models volume', () => {
      const replicas = Object.entries(services).filter(([, service]) => service.image === services.api.image && service.command === undefined)
      assert.ok(replicas.length >= 2, `expected two API replicas, found ${replicas.map(([name]) => name).join(', ')}`)
      const ports = replicas.flatMap(([, service]) => publishedPorts(service).map(p => p.published))
      assert.equal(new Set(ports).size, ports.length, 'each replica publishes its own host port')
      const models = (service: any): string | undefined => mounts(service).find(m => m.target === service.environment.MODELS_DIR)?.source
      for (const [name, replica] of replicas) {
        assert.equal(replica.environment.WORKER, 'off', `${name} must leave re-distillation to the worker`)
        assert.equal(replica.environment.EVENT_LOG, 'redis', `${name} must log events where the worker reads them`)
        assert.equal(replica.environment.REDIS_URL, services.worker.environment.REDIS_URL)
        assert.equal(models(replica), models(services.worker), `${name} and the worker must share the models volume`)
      }
      assert.deepEqual([services.worker.command].flat().slice(-1), ['dist/src/worker.js'])
      assert.equal(services.worker.environment.EVENT_LOG, 'redis')
    })

    it('has Prometheus scrape both replicas and the worker', () => {
      const targets: string[] = readYaml('deploy/prometheus.yml').scrape_configs.flatMap((c: any) => c.static_configs.flatMap((s: any) => s.targets))
      for (const [name, service] of Object.entries(services)) {
        if (name === 'redis' || name === 'prometheus' || name === 'grafana') continue
        const port = service.environment.WORKER_METRICS_PORT ?? service.environment.PORT ?? '3000'
        assert.ok(targets.includes(`${name}:${port}`), `Prometheus does not scrape ${name}:${port}`)
      }
    })

    it('declares no service whose compiled entry point has no source', () => {
      for (const [name, service] of Object.entries(services)) {
        const command = [service.command ?? []].flat().join(' ')
        for (const [, entry] of command.matchAll(/dist\/(src\/[\w/-]+)\.js/g)) {
          assert.ok(existsSync(join(root, `${entry}.ts`)), `service ${name} runs ${entry}.js, which does not exist yet`)
        }
      }
    })
  })
})
