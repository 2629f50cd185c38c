import { writeFile } from 'node:fs/promises'
import { Random } from '../../src/data/random.js'

/**
 * A pairs file (`user item` per line, in time order) of users who each walk `length` consecutive
 * items of an `items`-item cycle from a random start: user u starting at s sees s, s+1, ... mod
 * `items`. The Markov chain and item-KNN predict every next item, so an ensemble fitted on
 * validation gives a barely trained attention teacher weight 0 and its targets carry no item
 * embeddings.
 */
export async function writeCycleWalks (path: string, { users = 300, items = 50, length = 20, seed = 1 } = {}): Promise<string> {
  const rng = new Random(seed)
  const lines: string[] = []
  for (let u = 0; u < users; u++) {
    const start = rng.int(items)
    for (let k = 0; k < length; k++) lines.push(`u${u} i${(start + k) % items}`)
  }
  await writeFile(path, lines.join('\n') + '\n')
  return path
}

/** train:teacher flags for a teacher that learns next to nothing in its one epoch. */
export const UNTRAINED_TEACHER = ['--epochs', '1', '--learning-rate', '0.0000001', '--dim', '8', '--blocks', '1', '--heads', '1', '--ffn-dim', '8', '--threads', '1']
