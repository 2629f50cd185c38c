import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { buildApp, type AppOptions } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createServices } from '../../src/services.js'
import type { Interaction } from '../../src/data/dataset.js'
import type { Built } from '../helper.js'

export interface LogLine { level: number, msg: string, err?: { stack?: string }, [key: string]: unknown }

export interface SuiteApp extends Built {
  /** Every log line, parsed, at debug level and above. */
  logs: LogLine[]
  close: () => Promise<void>
}

/**
 * The app as test/helper.ts builds it, for a whole describe block (build in `before`, close in
 * `after`), with its log lines kept for assertions.
 */
export async function buildSuiteApp (env: Record<string, string> = {}, pressure?: AppOptions['pressure']): Promise<SuiteApp> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-suite-'))
  const config = loadConfig({
    LOG_LEVEL: 'debug',
    SYNTHETIC_SEED: '7',
    EVENT_LOG_PATH: join(dir, 'events.jsonl'),
    MODELS_DIR: join(dir, 'models'),
    ...env
  })
  const logs: LogLine[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => { logs.push(JSON.parse(line)) } })
  const services = await createServices(config, logger)
  const app = buildApp({ config, services, logger, pressure })
  await app.ready()
  const close = async (): Promise<void> => {
    await app.close()
    await services.close()
    await rm(dir, { recursive: true, force: true })
  }
  return { app, services, config, dir, logs, close }
}

export async function loggedEvents (built: Pick<Built, 'services'>): Promise<Interaction[]> {
  const all: Interaction[] = []
  for await (const event of built.services.eventLog.readAll()) all.push(event)
  return all
}
