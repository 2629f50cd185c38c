/**
 * Baseline quality on real or synthetic data: popularity, Markov chain and item-KNN under the
 * leave-one-out, full-ranking protocol. Prints NDCG@k, HR@k, MRR, coverage and tail recall.
 *   npx tsx bench/baselines.ts [--data ../shared/datasets/ml-1m]... [--k 10] [--split test|valid]
 * Without --data it runs on the default synthetic dataset.
 */
import { parseArgs } from 'node:util'
import { readInteractions } from '../src/data/interaction-reader.js'
import { buildDataset } from '../src/data/build-dataset.js'
import { generateSynthetic } from '../src/data/synthetic.js'
import { leaveOneOut } from '../src/data/split.js'
import { evaluate } from '../src/distill/evaluation/evaluate.js'
import { tailItemsMask } from '../src/distill/evaluation/metrics.js'
import type { Scorer } from '../src/models/scorer.js'
import type { BaselineOptions } from '../src/models/popularity.js'
import { PopularityScorer } from '../src/models/popularity.js'
import { MarkovChainScorer } from '../src/models/markov-chain.js'
import { ItemKnnScorer } from '../src/models/item-knn.js'

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', multiple: true },
    k: { type: 'string', default: '10' },
    split: { type: 'string', default: 'test' }
  }
})
const k = Number(args.k)
if (args.split !== 'test' && args.split !== 'valid') throw new Error('--split must be test or valid')
const split = args.split

const baselines: Array<(options: BaselineOptions) => Scorer> = [
  (o) => new PopularityScorer(o),
  (o) => new MarkovChainScorer(o),
  (o) => new ItemKnnScorer(o)
]

for (const path of args.data ?? [null]) {
  const started = performance.now()
  const interactions = path === null ? generateSynthetic() : (await readInteractions(path)).interactions
  const dataset = buildDataset(interactions)
  const { train, [split]: cases } = leaveOneOut(dataset)
  const numItems = dataset.items.size
  const tailItems = tailItemsMask(train, numItems)
  console.log(`\n${path ?? 'synthetic (defaults)'}: ${dataset.users.size} users, ${numItems} items, ` +
    `${interactions.length} events, ${cases.length} ${split} cases, read+split ${ms(started)}`)
  console.log('model          NDCG@k  HR@k    MRR     cover   tailR@k build   eval')
  for (const make of baselines) {
    const built = performance.now()
    const scorer = make({ train, numItems })
    const evaluated = performance.now()
    const r = evaluate(scorer, cases, { k, tailItems })
    console.log([scorer.name.padEnd(14), ...[r.ndcg, r.hr, r.mrr, r.coverage, r.tailRecall].map((v) => v.toFixed(4)),
      ms(built, evaluated).padEnd(7), ms(evaluated)].join('  '))
  }
}

function ms (from: number, to = performance.now()): string {
  return `${((to - from) / 1000).toFixed(2)}s`
}
