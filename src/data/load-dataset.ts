import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { buildDataset } from './build-dataset.js'
import type { Dataset } from './dataset.js'
import { readInteractions } from './interaction-reader.js'
import { generateSynthetic } from './synthetic.js'

/**
 * The dataset the service starts from: DATA_PATH, else the seeded synthetic one; undefined for
 * DATA_PATH=none (histories and item counts then live in Redis, seeded by `npm run import`).
 */
export async function loadDataset (config: Readonly<Config>, log: Logger): Promise<Dataset | undefined> {
  if (config.dataPath === 'none') {
    log.info('DATA_PATH=none: serving from the history store and the item counts in Redis')
    return undefined
  }
  if (config.dataPath === undefined) {
    log.info({ seed: config.syntheticSeed }, 'DATA_PATH unset: using the built-in synthetic dataset')
    return buildDataset(generateSynthetic({ seed: config.syntheticSeed }))
  }
  const started = performance.now()
  const { interactions, file, format } = await readInteractions(config.dataPath, { format: config.dataFormat })
  const dataset = buildDataset(interactions)
  log.info({ file, format, interactions: interactions.length, users: dataset.users.size, items: dataset.items.size, ms: Math.round(performance.now() - started) }, 'dataset read')
  return dataset
}
