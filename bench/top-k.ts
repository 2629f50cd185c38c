/**
 * Top-k selection cost on a 100,000-item catalogue, as the block ranker runs it: a user's scores in
 * 13 blocks of 8,192, each cut to its top 25, with and without an exclusion predicate. Prints ms
 * per user, median of --repeats runs of 300 users (min-max).
 *   npm run bench:top-k -- [--repeats 5]
 */
import { parseArgs } from 'node:util'
import { Random } from '../src/data/random.js'
import { topK } from '../src/models/top-k.js'

const { values: args } = parseArgs({ options: { repeats: { type: 'string', default: '5' } } })
const rng = new Random(1)
const rows = Array.from({ length: 13 }, () => Float32Array.from({ length: 8192 }, () => rng.next() * 10 - 5))
const excluded = (i: number): boolean => i % 7 === 0

function msPerUser (exclusion?: (i: number) => boolean): number {
  const started = performance.now()
  for (let user = 0; user < 300; user++) for (const row of rows) topK(row, 25, exclusion)
  return (performance.now() - started) / 300
}

for (let warm = 0; warm < 100; warm++) msPerUser(excluded)
for (const [name, exclusion] of [['no exclusion', undefined], ['exclusion predicate', excluded]] as const) {
  const runs = Array.from({ length: Number(args.repeats) }, () => msPerUser(exclusion)).sort((a, b) => a - b)
  console.log(`${name}: ${runs[runs.length >> 1].toFixed(3)} ms per 106,496-item user (${runs[0].toFixed(3)}-${runs[runs.length - 1].toFixed(3)})`)
}
