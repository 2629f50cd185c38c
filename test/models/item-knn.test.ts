import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ItemKnnScorer } from '../../src/models/item-knn.js'
import { PopularityScorer } from '../../src/models/popularity.js'
import { buildDataset } from '../../src/data/build-dataset.js'
import { generateSynthetic } from '../../src/data/synthetic.js'
import { leaveOneOut } from '../../src/data/split.js'
import { evaluate } from '../../src/distill/evaluation/evaluate.js'

const seq = (...items: number[]): Int32Array => Int32Array.from(items)
const close = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 1e-5, `${actual} != ${expected}`)

describe('ItemKnnScorer', () => {
  it('scores the cosine of window co-occurrence counts: co(i, j) / sqrt(n_i * n_j)', () => {
    // Items 0 and 1 are adjacent twice; 0 and 2 once. n_0 = 3, n_1 = 2, n_2 = 1.
    const scorer = new ItemKnnScorer({ train: [seq(0, 1), seq(0, 1), seq(0, 2)], numItems: 4, window: 1 })
    const [row] = scorer.scoreBatch([seq(0)])
    close(row[1], 2 / Math.sqrt(6))
    close(row[2], 1 / Math.sqrt(3))
    assert.ok(row[3] < 1e-6)
  })

  it('counts only pairs at most `window` places apart', () => {
    const train = [seq(0, 1, 2)]
    const [narrow] = new ItemKnnScorer({ train, numItems: 3, window: 1 }).scoreBatch([seq(0)])
    const [wide] = new ItemKnnScorer({ train, numItems: 3, window: 2 }).scoreBatch([seq(0)])
    assert.ok(narrow[2] < 1e-6)
    close(wide[2], 1)
  })

  it('keeps only the `neighbours` most similar items per item', () => {
    const train = [seq(0, 1), seq(0, 1), seq(0, 2)]
    const [row] = new ItemKnnScorer({ train, numItems: 3, window: 1, neighbours: 1 }).scoreBatch([seq(0)])
    close(row[1], 2 / Math.sqrt(6))
    assert.ok(row[2] < 1e-6)
  })

  it('weights the recent items by decay^(distance from the end), over the last `recent` items', () => {
    const train = [seq(0, 1), seq(2, 3)]
    const scorer = new ItemKnnScorer({ train, numItems: 4, window: 1, decay: 0.5 })
    const [row] = scorer.scoreBatch([seq(0, 2)])
    close(row[3], 1) // neighbour of the last item
    close(row[1], 0.5) // neighbour of the item one place before
    const [onlyLast] = new ItemKnnScorer({ train, numItems: 4, window: 1, recent: 1 }).scoreBatch([seq(0, 2)])
    assert.ok(onlyLast[1] < 1e-6)
  })

  it('orders items no recent item points to by popularity', () => {
    const scorer = new ItemKnnScorer({ train: [seq(0, 1), seq(2, 3, 4), seq(3, 4)], numItems: 5, window: 1 })
    const [row] = scorer.scoreBatch([seq(0)])
    assert.ok(row[3] > row[2] && row[4] > row[2], 'the twice-seen 3 and 4 outrank the once-seen 2')
    assert.ok(row[1] > row[3], 'a neighbour outranks every non-neighbour')
  })

  it('beats popularity on synthetic data', () => {
    const dataset = buildDataset(generateSynthetic({ users: 200, seed: 5 }))
    const split = leaveOneOut(dataset)
    const options = { train: split.train, numItems: dataset.items.size }
    const knn = evaluate(new ItemKnnScorer(options), split.test)
    const popularity = evaluate(new PopularityScorer(options), split.test)
    assert.ok(knn.ndcg > 2 * popularity.ndcg, `knn ${knn.ndcg} vs popularity ${popularity.ndcg}`)
  })
})
