import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { MarkovChainScorer } from '../../src/models/markov-chain.js'
import { PopularityScorer } from '../../src/models/popularity.js'
import { buildDataset } from '../../src/data/build-dataset.js'
import { generateSynthetic } from '../../src/data/synthetic.js'
import { leaveOneOut } from '../../src/data/split.js'
import { evaluate } from '../../src/distill/evaluation/evaluate.js'
import { topK } from '../../src/models/top-k.js'

const seq = (...items: number[]): Int32Array => Int32Array.from(items)
const ranking = (row: Float32Array): number[] => topK(row, row.length).map((s) => s.index)

describe('MarkovChainScorer', () => {
  // Transitions: 0->1 twice, 0->2 once, 1->2, 1->3. Counts: item 0: 3, 1: 2, 2: 2, 3: 1.
  const scorer = new MarkovChainScorer({ train: [seq(0, 1, 2), seq(0, 1, 3), seq(0, 2)], numItems: 4 })

  it('scores the normalised transition probabilities from the last item', () => {
    const [row] = scorer.scoreBatch([seq(3, 0)])
    // Within 1% of one count (1/3 here) of the exact probabilities: the tie-break's bound.
    assert.ok(row[1] > 2 / 3 - 1e-6 && row[1] < 2 / 3 + 0.01 / 3, `P(1|0) ${row[1]}`)
    assert.ok(row[2] > 1 / 3 - 1e-6 && row[2] < 1 / 3 + 0.01 / 3, `P(2|0) ${row[2]}`)
    assert.ok(row[3] > 0 && row[3] < 0.01 / 3, `P(3|0) ${row[3]}`)
    assert.deepEqual(ranking(row), [1, 2, 0, 3])
  })

  it('orders equal transition counts, and unseen transitions, by popularity', () => {
    const [row] = scorer.scoreBatch([seq(1)])
    // 1->2 and 1->3 are seen once each; 2 is the more popular. Then 0 (unseen, count 3) before 1.
    assert.deepEqual(ranking(row), [2, 3, 0, 1])
  })

  it('falls back to popularity for an empty history or a last item with no successor', () => {
    const [empty, dangling] = scorer.scoreBatch([seq(), seq(0, 3)])
    assert.deepEqual(ranking(empty), [0, 1, 2, 3])
    assert.deepEqual(ranking(dangling), [0, 1, 2, 3])
    assert.ok(empty[0] > empty[1] && empty[1] > empty[3])
  })

  it('beats popularity on synthetic data with sequential structure', () => {
    const dataset = buildDataset(generateSynthetic({ users: 200, seed: 5 }))
    const split = leaveOneOut(dataset)
    const options = { train: split.train, numItems: dataset.items.size }
    const markov = evaluate(new MarkovChainScorer(options), split.test)
    const popularity = evaluate(new PopularityScorer(options), split.test)
    assert.ok(markov.ndcg > 2 * popularity.ndcg, `markov ${markov.ndcg} vs popularity ${popularity.ndcg}`)
  })
})
