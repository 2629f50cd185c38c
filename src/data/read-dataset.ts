import { buildDataset } from './build-dataset.js'
import type { Dataset } from './dataset.js'
import { readInteractions, type DataFormat, type InteractionFormat } from './interaction-reader.js'
import { generateSynthetic } from './synthetic.js'

export const SYNTHETIC = 'synthetic'
/** DATA_PATH=none: no dataset; histories come from Redis, and the worker trains on the event log alone. */
export const NO_DATA = 'none'

export interface ReadDataset {
  /** The file read, or `synthetic`. */
  source: string
  format: InteractionFormat | typeof SYNTHETIC | typeof NO_DATA
  events: number
  dataset: Dataset
}

/**
 * The one way every entry point (the service, the CLIs, the worker) reads its data: an interaction
 * log (file or dataset directory, in any format the reader knows) or, for `synthetic`, the seeded
 * synthetic set; for `none`, an empty one.
 */
export async function readDataset (data: string, format: DataFormat, seed: number): Promise<ReadDataset> {
  if (data === NO_DATA) return { source: NO_DATA, format: NO_DATA, events: 0, dataset: buildDataset([]) }
  if (data === SYNTHETIC) {
    const interactions = generateSynthetic({ seed })
    return { source: SYNTHETIC, format: SYNTHETIC, events: interactions.length, dataset: buildDataset(interactions) }
  }
  const read = await readInteractions(data, { format })
  return { source: read.file, format: read.format, events: read.interactions.length, dataset: buildDataset(read.interactions) }
}
