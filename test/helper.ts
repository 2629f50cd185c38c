import type { TestContext } from 'node:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp, type App } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { createLogger } from '../src/logger.js'
import { createServices, type Services } from '../src/services.js'
import { saveStudent } from './serving/student-fixture.js'

export interface Built {
  app: App
  services: Services
  config: Readonly<Config>
  dir: string
}

/** Builds the whole app as `npm start` would, on synthetic data and a temporary event log. */
export async function build (t: TestContext, env: Record<string, string> = {}, dir?: string): Promise<Built> {
  const ownDir = dir === undefined
  const workDir = dir ?? await mkdtemp(join(tmpdir(), 'distillrec-test-'))
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    SYNTHETIC_SEED: '7',
    EVENT_LOG_PATH: join(workDir, 'events.jsonl'),
    MODELS_DIR: join(workDir, 'models'),
    ...env
  })
  const logger = createLogger(config.logLevel)
  const services = await createServices(config, logger)
  const app = buildApp({ config, services, logger })
  t.after(async () => {
    await app.close()
    await services.close()
    if (ownDir) await rm(workDir, { recursive: true, force: true })
  })
  await app.ready()
  return { app, services, config, dir: workDir }
}

/** Like build, with a freshly initialised student saved as version 1 in the models directory first. */
export async function buildWithStudent (t: TestContext, env: Record<string, string> = {}): Promise<Built & { version: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-test-'))
  t.after(async () => await rm(dir, { recursive: true, force: true }))
  const version = await saveStudent(join(dir, 'models'))
  return { ...await build(t, env, dir), version }
}
