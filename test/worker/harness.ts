import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino, type Logger } from 'pino'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { datasetFingerprint } from '../../src/models/artifact/index.js'
import { saveModel } from '../../src/models/artifact/model-io.js'
import { Student } from '../../src/models/student.js'
import { createServices } from '../../src/services.js'
import { createWorker } from '../../src/worker/create-worker.js'
import type { Job } from '../../src/stores/job.js'
import { redistill } from '../../src/worker/redistill-run.js'
import type { Execute, RedistillWorker } from '../../src/worker/redistill-worker.js'
import type { Built } from '../helper.js'
import { redisUrl } from '../helpers/redis.js'
import { dataset } from '../serving/student-fixture.js'

export const TOKEN = 'worker-tests-admin-token-0123'
export const auth = { authorization: `Bearer ${TOKEN}` }

/**
 * Small, teacherless runs (no teacher on disk and no retrain schedule: task loss only), so one
 * run on the synthetic set takes about a second; no embedded worker, no schedule.
 */
export const ENV: Record<string, string> = {
  ADMIN_TOKEN: TOKEN,
  WORKER: 'off',
  REDISTILL_INTERVAL: 'off',
  TEACHER_RETRAIN_INTERVAL: 'off',
  REDISTILL_EPOCHS: '2',
  TEACHER_EPOCHS: '1',
  ADMIN_RATE_LIMIT: '100000',
  ADMIN_AUTH_FAILURE_LIMIT: '100000'
}

/** Runs in this thread: quicker to start than the training thread, same run. */
export const inProcess: Execute = async (input, hooks, signal) => await redistill(input, { ...hooks, signal })

export interface Harness extends Built {
  /** Every line the app and a worker started by startWorker logged (LOG_LEVEL from env, default silent). */
  logs: string[]
  /** Run before the app closes (node:test runs t.after hooks in the order they were added). */
  beforeClose: Array<() => Promise<void>>
}

/**
 * Like test/helper.ts `build`, with load shedding off: an in-process run holds this event loop
 * for seconds, which would otherwise answer the requests after it 503. Logs are captured.
 */
export async function buildHarness (t: TestContext, env: Record<string, string> = {}, dir?: string): Promise<Harness> {
  const ownDir = dir === undefined
  const workDir = dir ?? await mkdtemp(join(tmpdir(), 'distillrec-worker-'))
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    SYNTHETIC_SEED: '7',
    EVENT_LOG_PATH: join(workDir, 'events.jsonl'),
    MODELS_DIR: join(workDir, 'models'),
    ...ENV,
    ...env
  })
  const logs: string[] = []
  const logger = capturing(createLogger(config.logLevel), logs)
  const services = await createServices(config, logger)
  const app = buildApp({ config, services, logger, pressure: { maxEventLoopDelayMs: 0, maxEventLoopUtilization: 0 } })
  const beforeClose: Array<() => Promise<void>> = []
  t.after(async () => {
    for (const fn of beforeClose) await fn()
    await app.close()
    await services.close()
    if (ownDir) await rm(workDir, { recursive: true, force: true })
  })
  await app.ready()
  return { app, services, config, dir: workDir, logs, beforeClose }
}

/** The service's own logger (its level and redaction), writing into `lines` instead of stdout. */
function capturing (logger: Logger, lines: string[]): Logger {
  (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = { write: (line: string) => { lines.push(line) } }
  return logger
}

/**
 * A worker over the harness's stores, started; stopped before the app closes and its directory
 * goes. `'thread'` runs each job in the training thread, as the service does.
 */
export async function startWorker (h: Harness, execute: Execute | 'thread' = inProcess, config: Readonly<Config> = h.config): Promise<RedistillWorker> {
  const worker = createWorker({ config, stores: h.services.stores, control: h.services.control, metrics: h.services.metrics, log: capturing(createLogger(config.logLevel), h.logs), execute: execute === 'thread' ? undefined : execute })
  h.beforeClose.push(async () => await worker.stop())
  await worker.start()
  return worker
}

export async function submit ({ app }: Built, body: object = {}): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/admin/redistill', headers: auth, payload: body })
  assert.equal(res.statusCode, 202, res.body)
  return res.json<{ jobId: string }>().jobId
}

export async function job ({ app }: Built, id: string): Promise<Job> {
  const res = await app.inject({ url: `/admin/jobs/${id}`, headers: auth })
  assert.equal(res.statusCode, 200, res.body)
  return res.json<Job>()
}

/** Polls until the job ends (activated, rejected, failed, cancelled). */
export async function finished (h: Built, id: string, timeoutMs = 30_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const current = await job(h, id)
    if (current.state !== 'queued' && current.state !== 'running') return current
    if (Date.now() > deadline) assert.fail(`job ${id} still ${current.state} (${current.phase}) after ${timeoutMs} ms`)
    await sleep(25)
  }
}

/** Polls `check` until it holds (an activation reaches the app through the version channel, after the job says activated). */
export async function until (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(20)
  }
}

/** A replica with v1 and v2 (the same weights on every replica) on a shared Redis prefix; v2 serves. */
export async function redisReplica (t: TestContext, prefix: string, env: Record<string, string> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-replica-'))
  t.after(async () => await rm(dir, { recursive: true, force: true }))
  await saveFixture(join(dir, 'models'), { seed: 11 })
  await saveFixture(join(dir, 'models'), { seed: 12 })
  return await buildHarness(t, { REDIS_URL: redisUrl(), REDIS_PREFIX: prefix, ...env }, dir)
}

/** The version that answers `userId`'s GET /recommend. */
export async function modelVersion ({ app }: Built, userId: string): Promise<number> {
  return (await app.inject({ url: `/recommend?userId=${userId}` })).json().modelVersion
}

export interface Answer { version: number | null, header: string | undefined, source: string, items: string[] }

export async function recommend ({ app }: Built, userId: string): Promise<Answer> {
  const res = await app.inject({ url: `/recommend?userId=${encodeURIComponent(userId)}&k=10` })
  assert.equal(res.statusCode, 200, res.body)
  const body = res.json<{ modelVersion: number | null, source: string, items: Array<{ itemId: string }> }>()
  return { version: body.modelVersion, header: res.headers['x-model-version'] as string | undefined, source: body.source, items: body.items.map((i) => i.itemId) }
}

export async function serving ({ app }: Built): Promise<{ version: number | null, kind: string }> {
  return (await app.inject({ url: '/health/ready' })).json<{ model: { version: number | null, kind: string } }>().model
}

/**
 * Saves a freshly initialised student over the synthetic catalogue as `version` (the next one
 * when omitted). Serving depends on the weights it is given, not on their quality.
 */
export async function saveFixture (modelsDir: string, { version, seed = 11, itemIds = dataset.items.ids(), teacherVersion }: { version?: number, seed?: number, itemIds?: readonly string[], teacherVersion?: number } = {}): Promise<number> {
  const student = new Student({ numItems: itemIds.length, dim: 8, window: 5, seed })
  try {
    return (await saveModel(modelsDir, student, { itemIds, datasetFingerprint: datasetFingerprint(dataset.sequences), version, teacherVersion })).version
  } finally {
    student.dispose()
  }
}
