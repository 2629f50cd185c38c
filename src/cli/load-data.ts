import { buildDataset } from '../data/build-dataset.js'
import type { Dataset } from '../data/dataset.js'
import { readInteractions, type InteractionFormat } from '../data/interaction-reader.js'
import { leaveOneOut, type LeaveOneOutSplit } from '../data/split.js'
import { generateSynthetic } from '../data/synthetic.js'
import { tailItemsMask } from '../distill/metrics.js'
import { datasetFingerprint } from '../models/artifact/index.js'
import { CliUsageError } from './args.js'

export const SYNTHETIC = 'synthetic'
const FORMATS = ['auto', 'udata', 'ml1m', 'pairs', 'jsonl'] as const

export interface LoadedData {
  /** The file read, or `synthetic`. */
  source: string
  format: InteractionFormat | typeof SYNTHETIC
  events: number
  dataset: Dataset
  /** Leave-one-out by time: train sequences, validation and test cases. */
  split: LeaveOneOutSplit
  /** 1 = long-tail item (outside the 20% most popular in train). */
  tailItems: Uint8Array
  /** `datasetFingerprint` of the dataset, recorded in artifact manifests. */
  fingerprint: string
}

/** What every CLI does first: read `--data` (or generate the synthetic set when it is `synthetic`) and split it. */
export async function loadData (data: string, format: string, seed: number): Promise<LoadedData> {
  if (!(FORMATS as readonly string[]).includes(format)) throw new CliUsageError(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`)
  let source = SYNTHETIC
  let detected: LoadedData['format'] = SYNTHETIC
  let interactions
  if (data === SYNTHETIC) {
    interactions = generateSynthetic({ seed })
  } else {
    const read = await readInteractions(data, { format: format as typeof FORMATS[number] })
    interactions = read.interactions
    source = read.file
    detected = read.format
  }
  const dataset = buildDataset(interactions)
  const split = leaveOneOut(dataset)
  return {
    source,
    format: detected,
    events: interactions.length,
    dataset,
    split,
    tailItems: tailItemsMask(split.train, dataset.items.size),
    fingerprint: datasetFingerprint(dataset)
  }
}

export function describeData (d: LoadedData): string {
  return `${d.source} (${d.format}): ${d.events} events, ${d.dataset.users.size} users, ${d.dataset.items.size} items, ` +
    `${d.split.test.length} test cases, fingerprint ${d.fingerprint}`
}

/** A saved model's item ids must be the dataset's, in the same order, for its scores to mean anything here. */
export function checkCatalogue (itemIds: readonly string[], data: LoadedData, what: string): void {
  const ids = data.dataset.items.ids()
  const same = ids.length === itemIds.length && ids.every((id, i) => id === itemIds[i])
  if (!same) {
    const err = new Error(`${what} was trained on another item catalogue (${itemIds.length} items) than ${data.source} (${ids.length} items); ` +
      'train it on this data or pass the data it was trained on') as Error & { code: string }
    err.code = 'CATALOGUE_MISMATCH'
    throw err
  }
}
