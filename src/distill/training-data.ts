import type { DataFormat } from '../data/interaction-reader.js'
import { readDataset, type ReadDataset } from '../data/read-dataset.js'
import { leaveOneOut, type LeaveOneOutSplit } from '../data/split.js'
import { tailItemsMask } from './metrics.js'
import { datasetFingerprint } from '../models/artifact/index.js'

export interface LoadedData extends ReadDataset {
  /** Leave-one-out by time: train sequences, validation and test cases. */
  split: LeaveOneOutSplit
  /** 1 = long-tail item (outside the 20% most popular in train). */
  tailItems: Uint8Array
  /** `datasetFingerprint` of the dataset, recorded in artifact manifests. */
  fingerprint: string
}

/** What training and evaluation start from: the dataset, split leave-one-out, with its tail items and fingerprint. */
export async function loadData (data: string, format: DataFormat, seed: number): Promise<LoadedData> {
  const read = await readDataset(data, format, seed)
  const split = leaveOneOut(read.dataset)
  return {
    ...read,
    split,
    tailItems: tailItemsMask(split.train, read.dataset.items.size),
    fingerprint: datasetFingerprint(read.dataset)
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
