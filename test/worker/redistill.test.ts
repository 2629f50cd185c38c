import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { versionDir } from '../../src/models/artifact/index.js'
import { activateVersion } from '../../src/versions/activate.js'
import type { RedistillOutcome } from '../../src/worker/redistill-run.js'
import type { StudentVersionInfo } from '../../src/versions/version-list.js'
import { auth, buildHarness, finished, inProcess, job, recommend, saveFixture, serving, startWorker, submit, until, type Harness } from './harness.js'

async function models (h: Harness): Promise<{ serving: { version: number | null }, versions: StudentVersionInfo[] }> {
  const res = await h.app.inject({ url: '/admin/models', headers: auth })
  assert.equal(res.statusCode, 200, res.body)
  return res.json()
}

/** The one job there is (the run the worker scheduled by itself when no student existed). */
async function onlyJob (h: Harness): Promise<string> {
  const { jobs } = (await h.app.inject({ url: '/admin/jobs', headers: auth })).json<{ jobs: Array<{ id: string }> }>()
  assert.equal(jobs.length, 1)
  return jobs[0].id
}

/** What a run reports for a candidate the gate let through (the files are the test's to save). */
function passed (version: number): RedistillOutcome {
  return { version, state: 'ready', candidateNdcg: 0.5, activeNdcg: null, latencyMs: 1, testNdcg: 0.5, teacherVersion: null, items: 300, users: 500 }
}

/** A harness serving a fixture student saved as version 1 before it started. */
async function withFixture (t: TestContext, env: Record<string, string> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-worker-'))
  t.after(async () => await rm(dir, { recursive: true, force: true }))
  assert.equal(await saveFixture(join(dir, 'models')), 1)
  const h = await buildHarness(t, env, dir)
  assert.equal((await serving(h)).version, 1)
  return h
}

describe('a re-distillation run', () => {
  it('activates its student, and the service answers from it with its version', async (t) => {
    const h = await buildHarness(t)
    assert.equal((await recommend(h, 'u1')).source, 'popular')
    await startWorker(h)
    // no student anywhere: the worker schedules the first run by itself
    const done = await finished(h, await onlyJob(h))
    assert.equal(done.state, 'activated', done.reason)
    assert.equal(done.request.trigger, 'schedule')
    assert.equal(done.version, 1)
    assert.equal(done.teacherVersion, null)
    assert.deepEqual(done.history.map((e) => [e.stage, e.epoch]), [['student', 1], ['student', 2]])
    assert.ok(done.candidateNdcg! > 0 && done.activeNdcg === null && done.latencyMs! > 0)
    // the job is activated once published; the replica swaps on the announcement
    await until('v1 serves', async () => (await serving(h)).version === 1)
    const answer = await recommend(h, 'u1')
    assert.deepEqual([answer.source, answer.version, answer.header], ['student', 1, '1'])
    assert.deepEqual((await models(h)).versions.map((v) => [v.version, v.state]), [[1, 'active']])
    assert.ok(!existsSync(join(versionDir(h.config.modelsDir, 'student', 1), 'state.json')))
  })

  it('saves its student with an ANN index from ANN_MIN_ITEMS items, as serving reads it, and without one below', async (t) => {
    const h = await buildHarness(t, { ANN_MIN_ITEMS: '1' })
    await startWorker(h)
    const done = await finished(h, await onlyJob(h))
    assert.equal(done.state, 'activated', done.reason)
    assert.ok(existsSync(join(versionDir(h.config.modelsDir, 'student', 1), 'ann.bin')), 'ANN_MIN_ITEMS=1 reached the worker')
    const without = await buildHarness(t, { ANN_MIN_ITEMS: '1000000000' })
    await startWorker(without)
    const plain = await finished(without, await onlyJob(without))
    assert.equal(plain.state, 'activated', plain.reason)
    assert.ok(!existsSync(join(versionDir(without.config.modelsDir, 'student', 1), 'ann.bin')))
  })

  it('logs the pipeline\'s lines with their figures as fields beside the phase and version', async (t) => {
    const h = await buildHarness(t, { LOG_LEVEL: 'info' })
    await startWorker(h)
    const done = await finished(h, await onlyJob(h))
    assert.equal(done.state, 'activated', done.reason)
    const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>)
    const last = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('student done: best epoch'))
    assert.ok(last !== undefined, h.logs.join('\n'))
    assert.equal(last.stage, 'student')
    assert.equal(last.phase, 'training-student')
    assert.equal(last.version, done.version)
    assert.equal(last.epochs, 2)
    assert.equal(typeof last.bestEpoch, 'number')
  })

  it('rejects a worse student, keeps the old one serving, and a restart does not load the rejected one', async (t) => {
    // the first run sets the bar; the second, with no tolerance, trains one epoch from scratch
    const env = { GATE_TOLERANCE: '0', REDISTILL_EPOCHS: '6' }
    const h = await buildHarness(t, env)
    await startWorker(h)
    assert.equal((await finished(h, await onlyJob(h))).state, 'activated')
    await until('v1 serves', async () => (await serving(h)).version === 1)
    const worse = await finished(h, await submit(h, { epochs: 1, losses: ['task'], warmStart: false }))
    assert.equal(worse.state, 'rejected', `candidate ${worse.candidateNdcg} vs active ${worse.activeNdcg}`)
    assert.equal(worse.version, 2)
    assert.ok(worse.candidateNdcg! < worse.activeNdcg!)
    assert.match(worse.reason ?? '', /below the active student/)

    const answer = await recommend(h, 'u1')
    assert.deepEqual([answer.source, answer.version, answer.header], ['student', 1, '1'])
    const state = JSON.parse(await readFile(join(versionDir(h.config.modelsDir, 'student', 2), 'state.json'), 'utf8'))
    assert.equal(state.state, 'rejected')
    const listed = await models(h)
    assert.deepEqual(listed.versions.map((v) => [v.version, v.state]), [[2, 'rejected'], [1, 'active']])
    assert.match(listed.versions[0].reason ?? '', /below the active student/)
    assert.equal((await h.app.inject({ method: 'POST', url: '/admin/models/2/activate', headers: auth })).statusCode, 409)
    assert.equal((await serving(h)).version, 1)

    const restarted = await buildHarness(t, env, h.dir)
    assert.equal((await serving(restarted)).version, 1)
  })

  it('refuses to activate a truncated artifact and keeps serving; a restart skips a truncated newest version', async (t) => {
    const h = await withFixture(t)
    const modelsDir = h.config.modelsDir
    assert.equal(await saveFixture(modelsDir, { seed: 12 }), 2)
    assert.equal((await h.app.inject({ method: 'POST', url: '/admin/models/2/activate', headers: auth })).statusCode, 200)
    await truncate(join(versionDir(modelsDir, 'student', 1), 'weights.bin'), 100)

    const res = await h.app.inject({ method: 'POST', url: '/admin/models/1/activate', headers: auth })
    assert.equal(res.statusCode, 409, res.body)
    assert.match(res.json().message, /cannot be activated/)
    const answer = await recommend(h, 'u1')
    assert.deepEqual([answer.source, answer.version, answer.header], ['student', 2, '2'])

    assert.equal(await saveFixture(modelsDir, { seed: 13 }), 3)
    await truncate(join(versionDir(modelsDir, 'student', 3), 'weights.bin'), 7)
    const restarted = await buildHarness(t, {}, h.dir)
    assert.equal((await serving(restarted)).version, 2)
  })

  it('rolls back to an older version on request, and answers from it', async (t) => {
    const h = await withFixture(t)
    const id = await submit(h)
    await startWorker(h)
    const next = await finished(h, id)
    assert.equal(next.state, 'activated', next.reason)
    assert.equal(next.version, 2)
    await until('v2 serves', async () => (await serving(h)).version === 2)

    const res = await h.app.inject({ method: 'POST', url: '/admin/models/1/activate', headers: auth })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json(), { version: 1, previous: 2 })
    const answer = await recommend(h, 'u1')
    assert.deepEqual([answer.source, answer.version, answer.header], ['student', 1, '1'])
    assert.deepEqual((await models(h)).versions.map((v) => [v.version, v.state]), [[2, 'ready'], [1, 'active']])
  })

  it('marks a run that throws as failed and keeps serving', async (t) => {
    const h = await withFixture(t)
    const id = await submit(h)
    await startWorker(h, async () => { throw new Error('boom: the run fell over') })
    const failed = await finished(h, id)
    assert.equal(failed.state, 'failed')
    assert.equal(failed.phase, 'done')
    assert.match(failed.reason ?? '', /boom: the run fell over/)
    assert.ok(failed.finishedAt !== undefined)
    const answer = await recommend(h, 'u1')
    assert.deepEqual([answer.source, answer.version], ['student', 1])
    // the lock is free again: the next request is accepted
    await submit(h)
  })

  it('puts the items of ingested events into the next student, warm-started, whose new users get personalised answers', async (t) => {
    const h = await buildHarness(t)
    const lines: string[] = []
    await startWorker(h, async (input, hooks, signal) => await inProcess(input, { ...hooks, log: (line) => { lines.push(line); hooks.log(line) } }, signal))
    assert.equal((await finished(h, await onlyJob(h))).state, 'activated')
    await until('v1 serves', async () => (await serving(h)).version === 1)

    const fresh = ['fresh-a', 'fresh-b', 'fresh-c', 'fresh-d']
    const events = fresh.map((itemId) => ({ userId: 'newcomer', itemId }))
    // existing users take up the new items too, so they co-occur with the known catalogue
    for (const userId of ['u1', 'u2', 'u3']) events.push(...fresh.slice(0, 2).map((itemId) => ({ userId, itemId })))
    const posted = await h.app.inject({ method: 'POST', url: '/events', payload: { events } })
    assert.equal(posted.statusCode, 202, posted.body)
    // the newcomer's history is all unknown to v1: popularity answers
    assert.deepEqual([(await recommend(h, 'newcomer')).source, (await recommend(h, 'newcomer')).version], ['popular', 1])

    const second = await finished(h, await submit(h))
    assert.equal(second.state, 'activated', second.reason)
    assert.equal(second.version, 2)
    await until('v2 serves', async () => (await serving(h)).version === 2)
    const { items } = JSON.parse(await readFile(join(versionDir(h.config.modelsDir, 'student', 2), 'items.json'), 'utf8')) as { items: string[] }
    for (const id of fresh) assert.ok(items.includes(id), `${id} in v2's vocabulary`)
    const { items: before } = JSON.parse(await readFile(join(versionDir(h.config.modelsDir, 'student', 1), 'items.json'), 'utf8')) as { items: string[] }
    assert.equal(items.length, before.length + fresh.length)
    assert.ok(lines.some((l) => l === `warm start: ${before.length} item rows from the previous student, ${fresh.length} new`), lines.join('\n'))

    const answer = await recommend(h, 'newcomer')
    assert.deepEqual([answer.source, answer.version, answer.header], ['student', 2, '2'])
    assert.equal(answer.items.length, 10)
    // the newcomer's own items are excluded by default
    for (const id of fresh) assert.ok(!answer.items.includes(id))
  })
})

describe('fencing and the run lock', () => {
  it('refuses a publish with a fencing token older than the last one activated', async (t) => {
    const h = await withFixture(t)
    const { channel, models: store } = h.services.stores
    const modelsDir = h.config.modelsDir
    const stale = await channel.reserve(1)
    const fresh = await channel.reserve(1)
    assert.ok(fresh > stale && stale > 1)
    await saveFixture(modelsDir, { version: stale, seed: 21 })
    await saveFixture(modelsDir, { version: fresh, seed: 22 })
    assert.equal((await activateVersion({ modelsDir, version: fresh, store, channel, fence: fresh })).activated, true)
    assert.equal((await activateVersion({ modelsDir, version: stale, store, channel, fence: stale })).activated, false)
    assert.equal(await channel.active(), fresh)
    await until('the fresh version serves', async () => (await serving(h)).version === fresh)
  })

  it('fails a run that a newer run overtook, and does not publish it', async (t) => {
    const h = await withFixture(t)
    const { channel, models: store } = h.services.stores
    const modelsDir = h.config.modelsDir
    let newer = 0
    const id = await submit(h)
    await startWorker(h, async (input) => {
      await saveFixture(modelsDir, { version: input.version, seed: 32 })
      // before this run publishes, a newer one takes the next token and publishes
      newer = await channel.reserve(input.version)
      await saveFixture(modelsDir, { version: newer, seed: 31 })
      assert.equal((await activateVersion({ modelsDir, version: newer, store, channel, fence: newer })).activated, true)
      return passed(input.version)
    })
    const stale = await finished(h, id)
    assert.equal(stale.state, 'failed')
    assert.equal(stale.version, 2)
    assert.match(stale.reason ?? '', /fenced out/)
    assert.equal(await channel.active(), newer)
    await until('the newer version serves', async () => (await serving(h)).version === newer)
  })

  it('fails a run whose lock was taken by another, and publishes nothing', async (t) => {
    const h = await withFixture(t)
    const { runLock, channel } = h.services.stores
    const id = await submit(h)
    await startWorker(h, async (input) => {
      // the lock expired and another run took it
      const holder = await runLock.holder()
      assert.ok(holder !== null)
      await runLock.release(holder)
      assert.ok(await runLock.acquire('another-run', 60_000))
      await saveFixture(h.config.modelsDir, { version: input.version, seed: 41 })
      return passed(input.version)
    })
    // read from the store: GET /admin/jobs/:id would itself report the job failed as soon as
    // another holds its lock, before the worker records why
    const { jobs } = h.services.stores
    await until('the run ends', async () => !['queued', 'running'].includes((await jobs.get(id))?.state ?? ''))
    const lost = (await jobs.get(id))!
    assert.equal(lost.state, 'failed')
    assert.match(lost.reason ?? '', /run lock was lost/)
    assert.equal(await channel.active(), null)
    assert.equal(await runLock.holder(), 'another-run')
    const answer = await recommend(h, 'u1')
    assert.deepEqual([answer.source, answer.version], ['student', 1])
  })

  it('reports a running job whose worker died (its lock expired) as failed', async (t) => {
    const h = await withFixture(t)
    const { jobs, runLock } = h.services.stores
    // no worker: the job stays queued and holds the lock, as JobControl.submit leaves it
    const id = await submit(h)
    const queued = await job(h, id)
    assert.equal(queued.state, 'queued')
    // a worker took it and died mid-run: running, and its lock lapsed
    await jobs.put({ ...queued, state: 'running', phase: 'training-student', startedAt: new Date().toISOString() })
    assert.equal((await job(h, id)).state, 'running')
    await runLock.release(id)
    const dead = await job(h, id)
    assert.equal(dead.state, 'failed')
    assert.match(dead.reason ?? '', /lock expired/)
    assert.equal((await jobs.get(id))?.state, 'failed')
    assert.equal((await recommend(h, 'u1')).version, 1)
    // and a new run may start
    await submit(h)
  })
})
