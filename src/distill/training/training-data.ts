import type { DataFormat } from '../../data/interaction-reader.js'
import { readDataset, type ReadDataset } from '../../data/read-dataset.js'
import { IdMap } from '../../data/id-map.js'
import { leaveOneOut, type LeaveOneOutSplit } from '../../data/split.js'
import { tailItemsMask } from '../evaluation/metrics.js'
import type { EvaluationSample } from '../evaluation/evaluation-sample.js'
import { datasetFingerprint } from '../../models/artifact/index.js'

export interface LoadedData extends ReadDataset {
  /** Leave-one-out by time: train sequences, validation and test cases. */
  split: LeaveOneOutSplit
  /** 1 = long-tail item (outside the 20% most popular in train). */
  tailItems: Uint8Array
  /** `datasetFingerprint` of the dataset, recorded in artifact manifests. */
  fingerprint: string
  /** Set when `split.valid` / `split.test` are a sample of the users (see withEvaluationSample); absent: every user. */
  evaluationSample?: EvaluationSample
}

/** What training and evaluation start from: the dataset, split leave-one-out, with its tail items and fingerprint. */
export async function loadData (data: string, format: DataFormat, seed: number): Promise<LoadedData> {
  return splitData(await readDataset(data, format, seed))
}

/**
 * The worker's training data: the dataset followed by every event ingested since (in log order,
 * after each user's dataset history, as serving reads a history). Users and items first seen in
 * the events are numbered after the dataset's, so a model trained on the dataset alone, or on
 * fewer events, holds a prefix of this catalogue.
 */
export function withEvents (read: ReadDataset, events: ReadonlyArray<{ userId: string, itemId: string }>): LoadedData {
  if (events.length === 0) return splitData(read)
  const { dataset } = read
  const users = IdMap.fromIds(dataset.users.ids())
  const items = IdMap.fromIds(dataset.items.ids())
  const added: number[][] = dataset.sequences.map(() => [])
  for (const { userId, itemId } of events) {
    const user = users.add(userId)
    if (user === added.length) added.push([])
    added[user].push(items.add(itemId))
  }
  const sequences = added.map((more, user) => {
    const old = dataset.sequences[user] ?? new Int32Array(0)
    if (more.length === 0) return old
    const joined = new Int32Array(old.length + more.length)
    joined.set(old)
    joined.set(more, old.length)
    return joined
  })
  return splitData({ ...read, source: `${read.source} + ${events.length} events`, events: read.events + events.length, dataset: { users, items, sequences } })
}

function splitData (read: ReadDataset): LoadedData {
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
  if (catalogueFit(itemIds, data, what) !== 'same') throw catalogueMismatch(itemIds, data, what)
}

/**
 * How a saved model's item ids fit the data's: the same, or a prefix of them (the data has grown
 * since the model was trained: events brought new items, numbered after the old ones). Throws a
 * CATALOGUE_MISMATCH error otherwise.
 */
export function catalogueFit (itemIds: readonly string[], data: LoadedData, what: string): 'same' | 'prefix' {
  const ids = data.dataset.items.ids()
  const prefix = itemIds.length <= ids.length && itemIds.every((id, i) => id === ids[i])
  if (!prefix) throw catalogueMismatch(itemIds, data, what)
  return itemIds.length === ids.length ? 'same' : 'prefix'
}

function catalogueMismatch (itemIds: readonly string[], data: LoadedData, what: string): Error {
  const err = new Error(`${what} was trained on another item catalogue (${itemIds.length} items) than ${data.source} (${data.dataset.items.size} items); ` +
    'train it on this data or pass the data it was trained on') as Error & { code: string }
  err.code = 'CATALOGUE_MISMATCH'
  return err
}
