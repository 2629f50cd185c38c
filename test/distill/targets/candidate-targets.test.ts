import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../../../src/tf/backend.js'
import { Teacher } from '../../../src/models/teacher.js'
import { computeTeacherTargets } from '../../../src/distill/targets/teacher-targets.js'
import { candidateTeacherTargets } from '../../../src/distill/targets/candidate-targets.js'
import { trainingPositions } from '../../../src/distill/training/training-positions.js'
import { Random } from '../../../src/data/random.js'

function sequences (users: number, numItems: number, seed: number): Int32Array[] {
  const rng = new Random(seed)
  return Array.from({ length: users }, () => Int32Array.from({ length: 2 + rng.int(12) }, () => rng.int(numItems)))
}

describe('teacher targets from ANN candidates', () => {
  before(async () => { await selectBackend() })

  it('equal the exact targets when every item is a candidate, history left out, recall 1', () => {
    const numItems = 60
    const train = sequences(12, numItems, 3)
    const teacher = new Teacher({ numItems, dim: 8, blocks: 1, heads: 2, ffnDim: 8, maxLen: 6 })
    const positions = trainingPositions(train)
    const exact = computeTeacherTargets(teacher, train, positions, { topN: 5, batchSize: 4, withItemEmbeddings: true })
    const before = tf.memory().numTensors
    const reported: number[] = []
    const run = candidateTeacherTargets(teacher, train, positions, {
      topN: 5, fetch: numItems, batchSize: 4, withItemEmbeddings: true, recallSample: 7, threads: 1, onProgress: (done) => reported.push(done)
    })
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind')
    assert.equal(reported.at(-1), positions.users.length)
    assert.deepEqual(run.targets.items, exact.items)
    run.targets.logits.forEach((x, i) => assert.ok(Math.abs(x - exact.logits[i]) < 1e-4, `logit ${i}: ${x} vs ${exact.logits[i]}`))
    assert.deepEqual(run.targets.itemEmbeddings, exact.itemEmbeddings)
    assert.equal(run.sampled, 7)
    assert.equal(run.recall, 1)
    assert.equal(run.recall10, 1)
    teacher.dispose()
  })

  it('keeps fewer candidates than asked only as zero-probability padding, never a history item, and measures the recall against exact', () => {
    const numItems = 200
    const train = sequences(10, numItems, 5)
    const teacher = new Teacher({ numItems, dim: 8, blocks: 1, heads: 1, ffnDim: 8, maxLen: 20 })
    const positions = trainingPositions(train)
    // 8 candidates for a top-8: a history item among them leaves a padded slot
    const run = candidateTeacherTargets(teacher, train, positions, { topN: 8, fetch: 8, recallSample: positions.users.length, threads: 1 })
    const exact = computeTeacherTargets(teacher, train, positions, { topN: 8 })
    let padded = 0
    let hits = 0
    for (let p = 0; p < positions.users.length; p++) {
      const history = new Set(train[positions.users[p]].subarray(0, positions.ends[p]))
      const items = run.targets.items.subarray(p * 8, p * 8 + 8)
      const logits = run.targets.logits.subarray(p * 8, p * 8 + 8)
      const exactItems = new Set(exact.items.subarray(p * 8, p * 8 + 8))
      for (let n = 0; n < 8; n++) {
        if (logits[n] === -1e9) { padded++; continue }
        assert.ok(!history.has(items[n]), 'a history item is never a target')
        if (n > 0) assert.ok(logits[n] <= logits[n - 1], 'best first')
      }
      const kept = new Set(items)
      for (const item of exactItems) if (kept.has(item)) hits++
    }
    assert.ok(padded > 0, 'some position had a history item among its 8 candidates')
    // a padded slot is an exact top-8 item the candidates missed: recall says so
    assert.equal(run.recall, hits / (positions.users.length * 8))
    assert.ok(run.recall < 1 && run.recall > 0)
    teacher.dispose()
  })
})
