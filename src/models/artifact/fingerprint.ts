import { createHash, type Hash } from 'node:crypto'
import type { Dataset, Interaction } from '../../data/dataset.js'

export type FingerprintSource = Dataset | readonly Int32Array[] | readonly Interaction[]

/**
 * A short stable hash (16 hex digits of a sha256) identifying training data, stored in manifests
 * so a version can be traced to what it learnt from. Sequences hash their item indices in order;
 * interactions hash (userId, itemId, ts) in order; a Dataset hashes its id maps and sequences,
 * so two datasets with the same sequences but different id maps differ.
 */
export function datasetFingerprint (source: FingerprintSource): string {
  const hash = createHash('sha256')
  if (isDataset(source)) {
    hash.update('dataset\n')
    hash.update(JSON.stringify(source.users.ids()))
    hash.update('\n')
    hash.update(JSON.stringify(source.items.ids()))
    hash.update('\n')
    updateSequences(hash, source.sequences)
  } else if (source.length > 0 && !(source[0] instanceof Int32Array)) {
    hash.update('interactions\n')
    for (const { userId, itemId, ts } of source as readonly Interaction[]) {
      hash.update(JSON.stringify([userId, itemId, ts]))
      hash.update('\n')
    }
  } else {
    updateSequences(hash, source as readonly Int32Array[])
  }
  return hash.digest('hex').slice(0, 16)
}

function updateSequences (hash: Hash, sequences: readonly Int32Array[]): void {
  hash.update('sequences\n')
  const length = new Uint32Array(1)
  for (const sequence of sequences) {
    length[0] = sequence.length
    hash.update(new Uint8Array(length.buffer))
    hash.update(new Uint8Array(sequence.buffer, sequence.byteOffset, sequence.byteLength))
  }
}

function isDataset (source: FingerprintSource): source is Dataset {
  return !Array.isArray(source)
}
