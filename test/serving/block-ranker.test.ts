import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { Random } from '../../src/data/random.js'
import { BLOCK_ITEMS, ItemMatrixScorer } from '../../src/models/item-matrix-scorer.js'
import { topK } from '../../src/models/top-k.js'
import { rankBatch } from '../../src/serving/block-ranker.js'
import { selectBackend } from '../../src/tf/backend.js'

describe('rankBatch', () => {
  before(async () => { await selectBackend() })

  const width = 5
  const numItems = 2 * BLOCK_ITEMS + 123
  const rng = new Random(3)
  // rounded values make many exact ties, across blocks too
  const matrix = Float32Array.from({ length: numItems * width }, () => Math.round(rng.next() * 4) / 4)
  const vectors = Array.from({ length: 7 }, () => Float32Array.from({ length: width }, () => Math.round(rng.next() * 4) / 4))

  it('ranks exactly as topK over the full row of scores, ties to the lower index, across blocks', async () => {
    const scorer = new ItemMatrixScorer(matrix, width)
    try {
      assert.equal(scorer.blocks.length, 3)
      const allowed = Uint8Array.from({ length: numItems }, (_, i) => i % 3 === 0 ? 0 : 1)
      const jobs = vectors.map((vector, r) => ({ vector, depth: 25, allowed: r % 2 === 0 ? undefined : allowed }))
      const ranked = await rankBatch(scorer, jobs)
      const packed = new Float32Array(vectors.length * width)
      vectors.forEach((v, r) => packed.set(v, r * width))
      const rows = scorer.scoreAll(packed, vectors.length)
      jobs.forEach((job, r) => {
        const expected = topK(rows[r], 25, job.allowed === undefined ? undefined : (i) => allowed[i] === 0)
        assert.deepEqual([...ranked[r].items], expected.map((e) => e.index), `user ${r}`)
        assert.deepEqual([...ranked[r].scores], expected.map((e) => Math.fround(e.score)))
      })
    } finally {
      scorer.dispose()
    }
  })

  it('scores a user the same alone and in a batch, and leaks no tensor', async () => {
    const before = tf.memory().numTensors
    const scorer = new ItemMatrixScorer(matrix, width)
    const alone = await rankBatch(scorer, [{ vector: vectors[6], depth: 10, allowed: undefined }])
    const batched = await rankBatch(scorer, vectors.map((vector) => ({ vector, depth: 10, allowed: undefined })))
    assert.deepEqual(alone[0], batched[6])
    scorer.dispose()
    assert.equal(tf.memory().numTensors, before)
  })
})
