/**
 * bench:swap's `--items N` catalogue kept in a directory between runs (`--catalogue-dir`):
 * generating a 1,000,000-item catalogue and its two structured students takes minutes, reading
 * them back seconds. The directory holds interactions.jsonl and models/student/<v>; it is made
 * (from syntheticLargeCatalogue) when it lacks either, and reused as it is otherwise.
 */
import { existsSync } from 'node:fs'
import { cp, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { readDataset } from '../src/data/read-dataset.js'
import { listVersions } from '../src/models/artifact/index.js'
import type { BenchResources } from './bench-processes.js'
import { syntheticLargeCatalogue, type Catalogue } from './serve-catalogues.js'

export async function keptCatalogue (resources: BenchResources, items: number, dir: string): Promise<Catalogue> {
  const dataPath = join(dir, 'interactions.jsonl')
  const modelsDir = join(dir, 'models')
  const env = { DATA_PATH: dataPath, DATA_FORMAT: 'jsonl', MODELS_DIR: modelsDir }
  if (existsSync(dataPath) && existsSync(join(modelsDir, 'student')) && listVersions(modelsDir, 'student').length > 0) {
    process.stderr.write(`reusing the catalogue in ${dir}\n`)
    const { dataset } = await readDataset(dataPath, 'jsonl', 42)
    if (dataset.items.size !== items) throw new Error(`${dir} holds ${dataset.items.size} items, not --items ${items}: give another --catalogue-dir`)
    return { name: `synthetic ${items}`, env, userIds: dataset.users.ids(), itemIds: dataset.items.ids() }
  }
  const made = await syntheticLargeCatalogue(resources, items)
  await mkdir(dir, { recursive: true })
  await cp(made.env.DATA_PATH, dataPath)
  await cp(made.env.MODELS_DIR, modelsDir, { recursive: true })
  return { ...made, env }
}
