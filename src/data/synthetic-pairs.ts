import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { SYNTHETIC_DEFAULTS, SyntheticModel, type SyntheticOptions } from './synthetic-model.js'

/** The size of a large synthetic catalogue; every other setting is the default dataset's. */
export interface SyntheticSize {
  items: number
  users: number
  /** Target total: the mean sequence length is events / users, so the total lands near it, not on it. */
  events: number
  seed: number
}

export interface SyntheticCounts {
  users: number
  events: number
  /** Distinct items that occur at least once. */
  itemsSeen: number
}

/** Bytes gathered before a write, so the stream sees few large chunks rather than one per line. */
const CHUNK_CHARS = 1 << 20

export function syntheticOptionsFor (size: SyntheticSize): Partial<SyntheticOptions> {
  const meanLength = size.events / size.users
  // The default floor of 5 would lift short sequences above a small mean and overshoot the target.
  const minLength = Math.min(SYNTHETIC_DEFAULTS.minLength, Math.max(1, Math.floor(meanLength / 2)))
  return { items: size.items, users: size.users, meanLength, minLength, seed: size.seed }
}

/**
 * Writes the synthetic model as a `pairs` file (`u<user> i<item>` per line, each user's events in
 * order, users one after another), waiting for `drain` when the stream is full, so memory stays
 * at the model's tables plus one chunk. Does not end the stream.
 */
export async function writeSyntheticPairs (out: Writable, size: SyntheticSize, onProgress?: (counts: SyntheticCounts) => void): Promise<SyntheticCounts> {
  const model = new SyntheticModel(syntheticOptionsFor(size))
  const seen = new Uint8Array(size.items)
  const counts: SyntheticCounts = { users: 0, events: 0, itemsSeen: 0 }
  let chunk = ''
  for (let user = 0; user < size.users; user++) {
    const items = model.nextUser()
    const prefix = `u${user} i`
    for (let t = 0; t < items.length; t++) {
      const item = items[t]
      chunk += prefix + item + '\n'
      if (seen[item] === 0) {
        seen[item] = 1
        counts.itemsSeen++
      }
    }
    counts.users++
    counts.events += items.length
    if (chunk.length >= CHUNK_CHARS || user === size.users - 1) {
      if (!out.write(chunk)) await once(out, 'drain')
      chunk = ''
      onProgress?.(counts)
    }
  }
  return counts
}
