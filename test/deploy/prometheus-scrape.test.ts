import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { startServer, type Started } from '../integration/server-process.js'
import { skipPrometheus, startPrometheus, type Prometheus, type Target } from './prometheus-process.js'

const ALERTS = fileURLToPath(new URL('../../deploy/alerts.yml', import.meta.url))
// the job name of deploy/prometheus.yml, which the alert rules select on
const JOB = 'distillrec-api'

describe('a real Prometheus scraping the running service', { skip: skipPrometheus }, () => {
  let dir: string
  let server: Started | undefined
  let prometheus: Prometheus | undefined
  let target: Target
  let servedVersion: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillrec-scrape-'))
    server = await startServer({ EVENT_LOG_PATH: join(dir, 'events.jsonl'), MODELS_DIR: join(dir, 'models') })
    const response = await fetch(`http://127.0.0.1:${server.port}/recommend?userId=u1&k=3`)
    assert.equal(response.status, 200)
    servedVersion = response.headers.get('x-model-version') ?? ''
    target = { job: JOB, port: server.port }
    prometheus = await startPrometheus([target], [ALERTS])
    await prometheus.scraped([target])
  })

  after(async () => {
    await prometheus?.stop()
    server?.child.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })

  async function values (expr: string): Promise<Array<{ metric: Record<string, string>, value: [number, string] }>> {
    const answer = await prometheus!.query(expr)
    assert.equal(answer.status, 'success', `${expr}: ${answer.error}`)
    return answer.data!.result
  }

  it('sees the target up', async () => {
    const [up] = await values(`up{job="${JOB}"}`)
    assert.equal(up.value[1], '1')
    assert.equal(up.metric.instance, `127.0.0.1:${target.port}`)
  })

  it('stores the request, recommendation and model series the service exposes', async () => {
    assert.equal((await values('distillrec_http_request_duration_seconds_count{route="/recommend", method="GET", status_code="200"}')).length, 1)
    assert.ok((await values('distillrec_http_request_duration_seconds_bucket{route="/recommend"}')).length > 1, 'one series per bucket')
    const [served] = await values('distillrec_recommendations_total')
    assert.ok(Number(served.value[1]) >= 1)
    const [version] = await values('distillrec_model_version')
    assert.equal(version.value[1], servedVersion, 'the version the response header named')
    const [info] = await values('distillrec_model_info')
    assert.equal(info.metric.version, servedVersion)
    assert.equal((await values('distillrec_redis_up')).length, 1)
    assert.equal((await values('nodejs_eventloop_lag_seconds')).length, 1)
  })

  it('stores every distillrec family that /metrics shows with a sample', async () => {
    const text = await (await fetch(`http://127.0.0.1:${target.port}/metrics`)).text()
    const exposed = new Set(text.split('\n').filter((l) => l.startsWith('distillrec_')).map((l) => /^[\w:]+/.exec(l)![0]))
    const stored = new Set((await values('count by (__name__) ({__name__=~"distillrec_.+"})')).map((r) => r.metric.__name__))
    assert.ok(exposed.size >= 10, `only ${[...exposed].join(', ')}`)
    assert.deepEqual([...exposed].filter((name) => !stored.has(name)), [])
  })

  it('evaluates every rule of deploy/alerts.yml against the live series without an error', async () => {
    const deadline = Date.now() + 10_000
    for (;;) {
      const body = await (await fetch(`${prometheus!.url}/api/v1/rules`)).json() as any
      const rules: any[] = body.data.groups.flatMap((g: any) => g.rules)
      assert.ok(rules.length >= 8, `${rules.length} rules loaded`)
      const broken = rules.filter((r) => r.health === 'err').map((r) => `${r.name}: ${r.lastError}`)
      assert.deepEqual(broken, [])
      if (rules.every((r) => r.health === 'ok')) {
        // a service up, answering without errors and on one version, raises none of them
        assert.deepEqual(rules.filter((r) => r.state === 'firing' && r.name !== 'DistillrecRedisDown').map((r) => r.name), [])
        return
      }
      if (Date.now() > deadline) assert.fail(`rules not all evaluated: ${rules.map((r) => `${r.name}=${r.health}`).join(', ')}`)
      await sleep(200)
    }
  })
})
