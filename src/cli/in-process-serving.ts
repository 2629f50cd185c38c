import { loadConfig, type Config } from '../config.js'
import type { Dataset } from '../data/dataset.js'
import { createLogger } from '../logger.js'
import { createMetrics } from '../metrics/metrics.js'
import { datasetFingerprint } from '../models/artifact/index.js'
import { saveModel } from '../models/artifact/model-io.js'
import { Student } from '../models/student.js'
import { createServing } from '../serving/create-serving.js'
import { servedDataset } from '../serving/served-dataset.js'
import { UserHistory } from '../serving/user-history.js'
import { createStores } from '../stores/create-stores.js'
import { selectBackend } from '../tf/backend.js'

export interface InProcessServing {
  config: Readonly<Config>
  log: ReturnType<typeof createLogger>
  metrics: ReturnType<typeof createMetrics>
  stores: Awaited<ReturnType<typeof createStores>>
  serving: Awaited<ReturnType<typeof createServing>>
}

/** Saves a freshly initialised student of the default shape over the dataset's catalogue (serving cost does not depend on its weights). */
export async function saveFreshStudent (modelsDir: string, dataset: Dataset, seed: number): Promise<void> {
  const student = new Student({ numItems: dataset.items.size, seed })
  try {
    await saveModel(modelsDir, student, { itemIds: dataset.items.ids(), datasetFingerprint: datasetFingerprint(dataset.sequences) })
  } finally {
    student.dispose()
  }
}

/**
 * The path /recommend runs, without the HTTP layer (`simulate`, the in-process benches): the config
 * of `env` (worker off, quiet log unless `env` says otherwise), the stores, and the serving side over
 * the dataset with its popularity counts. The caller closes `serving`, then `stores`.
 */
export async function inProcessServing (dataset: Dataset, env: Record<string, string>): Promise<InProcessServing> {
  const config = loadConfig({ LOG_LEVEL: 'warn', WORKER: 'off', ...env })
  const log = createLogger(config.logLevel)
  const metrics = createMetrics()
  const backend = await selectBackend(config.tfjsBackend)
  const stores = await createStores(config, log, metrics)
  const served = servedDataset(dataset)
  const serving = await createServing({
    config,
    stores,
    history: new UserHistory(served.dataset, stores.history),
    counts: served.counts,
    metadata: new Map(),
    metrics,
    backend,
    log
  })
  return { config, log, metrics, stores, serving }
}
