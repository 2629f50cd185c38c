import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { build, buildWithStudent } from '../helper.js'

const promtool = spawnSync('promtool', ['--version']).status === 0

describe('health and metrics', () => {
  it('is live', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ url: '/health/live' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { status: 'ok' })
  })

  it('is ready with the model, the Redis state and the TF.js backend', async (t) => {
    const { app } = await build(t)
    const res = await app.inject({ url: '/health/ready' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { status: 'ready', model: { version: 0, kind: 'popular' }, redis: 'disabled', backend: 'wasm' })
  })

  it('exposes the named instruments on /metrics', async (t) => {
    const { app } = await build(t)
    await app.inject({ url: '/recommend?userId=u' })
    await app.inject({ method: 'POST', url: '/events', payload: { userId: 'u', itemId: 'i' } })
    const res = await app.inject({ url: '/metrics' })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^text\/plain/)
    const text = res.body
    assert.match(text, /distillrec_http_request_duration_seconds_count\{route="\/recommend",method="GET",status_code="200"\} 1/)
    assert.match(text, /distillrec_recommendations_total\{source="popular"\} 1/)
    assert.match(text, /distillrec_events_ingested_total 1/)
    assert.match(text, /distillrec_model_info\{version="0",kind="popular",backend="wasm"\} 1/)
    assert.match(text, /distillrec_redis_up 0/)
    assert.match(text, /process_cpu_seconds_total/)
  })

  it('reports the student it serves and the serving instruments', async (t) => {
    const { app, version } = await buildWithStudent(t)
    assert.deepEqual((await app.inject({ url: '/health/ready' })).json().model, { version, kind: 'student' })
    await app.inject({ url: '/recommend?userId=u1' })
    await app.inject({ url: '/recommend?userId=u1' })
    await app.inject({ url: '/recommend?userId=nobody' })
    const text = (await app.inject({ url: '/metrics' })).body
    assert.match(text, new RegExp(`distillrec_model_info\\{version="${version}",kind="student",backend="wasm"\\} 1`))
    assert.match(text, new RegExp(`distillrec_model_version ${version}`))
    assert.match(text, /distillrec_recommendations_total\{source="student"\} 2/)
    assert.match(text, /distillrec_recommendations_total\{source="popular"\} 1/)
    assert.match(text, /distillrec_cache_requests_total\{result="miss"\} 1/)
    assert.match(text, /distillrec_cache_requests_total\{result="hit"\} 1/)
    assert.match(text, /distillrec_user_vectors_total\{result="computed"\} 1/)
    assert.match(text, /distillrec_scoring_batch_size_count 1/)
    assert.match(text, /distillrec_scoring_duration_seconds_count 1/)
    assert.match(text, /distillrec_tfjs_tensors \d+/)
  })

  it('passes promtool check metrics', { skip: promtool ? false : 'promtool not installed (Debian package prometheus)' }, async (t) => {
    const { app } = await build(t)
    await app.inject({ url: '/recommend?userId=u' })
    const res = await app.inject({ url: '/metrics' })
    const check = spawnSync('promtool', ['check', 'metrics'], { input: res.body, encoding: 'utf8' })
    assert.equal(check.status, 0, check.stdout + check.stderr)
    assert.equal((check.stdout + check.stderr).trim(), '')
  })
})
