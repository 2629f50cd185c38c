/**
 * The catalogues bench/serve.ts loads: what the service is started with (DATA_PATH, MODELS_DIR)
 * and the user and item ids the load generators draw from.
 *   ml1m: a student trained briefly on ML-1M by the distill CLI (or the one in --models-dir);
 *         without the dataset, a synthetic catalogue of the same size and a fresh student.
 *   synthetic100k: 100,000 items, 20,000 users x about 20 events, a fresh default-size student
 *         without an ANN index (bench:knee).
 *   syntheticLarge (--items N, 100,000 by default): N items, 20,000 users x about 20 events, a
 *         student whose item vectors have the synthetic model's structure (structured-student.ts),
 *         saved with its ANN index.
 * Serving speed does not depend on a student's quality, only on its shape.
 */
import { createWriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { buildDataset } from '../src/data/build-dataset.js'
import type { Interaction } from '../src/data/dataset.js'
import { readInteractions } from '../src/data/interaction-reader.js'
import { generateSynthetic } from '../src/data/synthetic.js'
import { datasetFingerprint } from '../src/models/artifact/index.js'
import { saveModel } from '../src/models/artifact/model-io.js'
import { Student } from '../src/models/student.js'
import { selectBackend } from '../src/tf/backend.js'
import { structuredStudent } from './structured-student.js'
import type { BenchResources } from './bench-processes.js'

export interface Catalogue {
  name: string
  /** DATA_PATH, DATA_FORMAT and MODELS_DIR for the service. */
  env: Record<string, string>
  userIds: readonly string[]
  itemIds: readonly string[]
}

/** ML-1M's shape, for the synthetic stand-in: 6,040 users, 3,706 items, 165.6 events per user. */
const ML1M_SHAPE = { users: 6040, items: 3706, meanLength: 166 }
/** A short run: serving needs a trained student's shape, not its quality (about 20 s on 2 cores). */
const ML1M_DISTILL_ARGS = ['--losses', 'task', '--epochs', '1', '--positions-per-user', '20']

export async function ml1mCatalogue (resources: BenchResources, { dataDir, modelsDir }: { dataDir: string, modelsDir?: string }): Promise<Catalogue> {
  if (!await exists(dataDir)) {
    process.stderr.write(`${dataDir} not found: using a synthetic catalogue of ML-1M's size\n`)
    return await syntheticCatalogue(resources, 'synthetic ML-1M size', { ...ML1M_SHAPE, seed: 1 }, modelsDir)
  }
  const { interactions, file, format } = await readInteractions(dataDir)
  const dataset = buildDataset(interactions)
  let dir = modelsDir
  if (dir === undefined) {
    dir = await resources.tempDir('ml1m-models')
    process.stderr.write('training a short ML-1M student with the distill CLI\n')
    await resources.run('src/cli/distill.ts', ['--data', file, '--format', format, '--models-dir', dir, ...ML1M_DISTILL_ARGS])
  }
  return {
    name: 'ML-1M',
    env: { DATA_PATH: file, DATA_FORMAT: format, MODELS_DIR: dir },
    userIds: dataset.users.ids(),
    itemIds: dataset.items.ids()
  }
}

/** 100,000 items and a fresh random student without an index (bench:knee's catalogue). */
export async function synthetic100kCatalogue (resources: BenchResources): Promise<Catalogue> {
  return await syntheticCatalogue(resources, 'synthetic 100k', { users: 20_000, items: 100_000, meanLength: 20, seed: 2 })
}

/**
 * `--items N` of bench:serve (100,000 by default): N items and a structured student with its ANN
 * index (a fresh random one has no clusters for ANN to find, and a version of at least
 * ANN_MIN_ITEMS items is served from its index).
 */
export async function syntheticLargeCatalogue (resources: BenchResources, items: number): Promise<Catalogue> {
  return await syntheticCatalogue(resources, `synthetic ${items}`, { users: 20_000, items, meanLength: 20, seed: 3 }, undefined, true)
}

interface Shape { users: number, items: number, meanLength: number, seed: number }

async function syntheticCatalogue (resources: BenchResources, name: string, shape: Shape, modelsDir?: string, structured = false): Promise<Catalogue> {
  process.stderr.write(`generating ${name}: ${shape.users} users, ${shape.items} items\n`)
  const interactions = coverEveryItem(generateSynthetic(shape), shape.items)
  const dataset = buildDataset(interactions)
  const dir = await resources.tempDir('catalogue')
  const dataPath = join(dir, 'interactions.jsonl')
  await writeJsonLines(dataPath, interactions)
  let models = modelsDir
  if (models === undefined) {
    models = join(dir, 'models')
    await selectBackend()
    // dataset item i is `i${n}` in first-seen order, not by number: the structured vectors follow the dense index
    const { student, ann } = structured ? structuredStudent(dataset.items.size) : { student: new Student({ numItems: dataset.items.size }), ann: undefined }
    try {
      await saveModel(models, student, { itemIds: dataset.items.ids(), datasetFingerprint: datasetFingerprint(dataset), ann })
    } finally {
      student.dispose()
    }
  }
  return {
    name,
    env: { DATA_PATH: dataPath, DATA_FORMAT: 'jsonl', MODELS_DIR: models },
    userIds: dataset.users.ids(),
    itemIds: dataset.items.ids()
  }
}

/**
 * The generator draws items by a long-tailed popularity, so a large catalogue leaves many unseen;
 * each unseen one is given to a user (round robin, after everything else) so all `items` exist.
 */
function coverEveryItem (interactions: Interaction[], items: number): Interaction[] {
  const seen = new Set(interactions.map((i) => i.itemId))
  const users = [...new Set(interactions.map((i) => i.userId))]
  const last = interactions.reduce((max, i) => Math.max(max, i.ts), 0)
  let added = 0
  for (let item = 0; item < items; item++) {
    const itemId = `i${item}`
    if (seen.has(itemId)) continue
    interactions.push({ userId: users[added % users.length], itemId, ts: last + 1 + added })
    added++
  }
  return interactions
}

async function writeJsonLines (path: string, interactions: readonly Interaction[]): Promise<void> {
  const out = createWriteStream(path)
  const CHUNK = 10_000
  for (let start = 0; start < interactions.length; start += CHUNK) {
    const text = interactions.slice(start, start + CHUNK).map((i) => JSON.stringify({ userId: i.userId, itemId: i.itemId, ts: i.ts })).join('\n') + '\n'
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => err ? reject(err) : resolve()))
}

async function exists (path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}
