import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../../../src/tf/backend.js'
import { Teacher } from '../../../src/models/teacher.js'
import { computeTeacherTargets, mixTeacherTargets, scorerTargets, TeacherTargets } from '../../../src/distill/targets/teacher-targets.js'
import { trainingPositions } from '../../../src/distill/training/training-positions.js'
import { Random } from '../../../src/data/random.js'

function sequences (users: number, numItems: number, seed: number): Int32Array[] {
  const rng = new Random(seed)
  return Array.from({ length: users }, () => Int32Array.from({ length: 2 + rng.int(12) }, () => rng.int(numItems)))
}

function topN (scores: Float32Array, n: number, excluded: ArrayLike<number> = []): number[] {
  const skip = new Set(Array.from(excluded))
  return Array.from(scores.keys()).filter(i => !skip.has(i)).sort((a, b) => scores[b] - scores[a]).slice(0, n)
}

describe('teacher targets', () => {
  before(async () => { await selectBackend() })

  it('lists every position with a non-empty history, or each user\'s last P', () => {
    const train = [Int32Array.of(1, 2, 3, 4), Int32Array.of(5), Int32Array.of(6, 7)]
    const all = trainingPositions(train)
    assert.deepEqual([Array.from(all.users), Array.from(all.ends)], [[0, 0, 0, 2], [1, 2, 3, 1]])
    const last2 = trainingPositions(train, 2)
    assert.deepEqual([Array.from(last2.users), Array.from(last2.ends)], [[0, 0, 2], [2, 3, 1]])
  })

  it('holds the teacher\'s top-N for each position\'s history, its own items left out, from one pass per sequence', () => {
    const train = sequences(9, 25, 1)
    const teacher = new Teacher({ numItems: 25, dim: 8, blocks: 1, heads: 2, ffnDim: 8, maxLen: 20 })
    const positions = trainingPositions(train)
    const before = tf.memory().numTensors
    const reported: Array<[number, number]> = []
    const targets = computeTeacherTargets(teacher, train, positions, { topN: 5, batchSize: 4, withItemEmbeddings: true, onProgress: (done, total) => reported.push([done, total]) })
    assert.equal(tf.memory().numTensors, before)
    assert.equal(reported.length, Math.ceil(9 / 4), 'progress after each batch of windows')
    assert.deepEqual(reported.at(-1), [positions.users.length, positions.users.length])
    assert.ok(reported.every(([done], i) => i === 0 || done > reported[i - 1][0]))
    const histories = Array.from(positions.users, (u, p) => train[u].subarray(0, positions.ends[p]))
    const unmasked = computeTeacherTargets(teacher, train, positions, { topN: 5, batchSize: 4, maskHistory: false })
    // a few positions' logits at a time (as on a large catalogue) picks the same top-N
    const chunked = computeTeacherTargets(teacher, train, positions, { topN: 5, batchSize: 4, chunkRows: 3 })
    assert.deepEqual(chunked.items, targets.items)
    assert.deepEqual(chunked.logits, targets.logits)
    teacher.scoreBatch(histories).forEach((scores, p) => {
      assert.deepEqual(Array.from(targets.items.subarray(p * 5, p * 5 + 5)), topN(scores, 5, histories[p]))
      assert.ok(Math.abs(targets.logits[p * 5] - scores[targets.items[p * 5]]) < 1e-4)
      assert.deepEqual(Array.from(unmasked.items.subarray(p * 5, p * 5 + 5)), topN(scores, 5))
    })
    assert.equal(targets.embeddingDim, 8)
    assert.equal(targets.itemEmbeddings?.length, 25 * 8)
    assert.equal(targets.memoryBytes(), positions.users.length * 5 * 8 + 25 * 8 * 4)
    teacher.dispose()
  })

  it('cuts long sequences into maxLen windows ending at the last item, as teacher training does', () => {
    const train = [Int32Array.from({ length: 11 }, (_, i) => i)]
    const teacher = new Teacher({ numItems: 12, dim: 8, blocks: 1, heads: 1, ffnDim: 8, maxLen: 4 })
    const positions = trainingPositions(train)
    const targets = computeTeacherTargets(teacher, train, positions, { topN: 2 })
    // windows of history items: [6, 10), [2, 6), [0, 2)
    const start = (end: number): number => end > 6 ? 6 : end > 2 ? 2 : 0
    positions.ends.forEach((end, p) => {
      const scores = teacher.scoreBatch([train[0].subarray(start(end), end)])[0]
      assert.deepEqual(Array.from(targets.items.subarray(p * 2, p * 2 + 2)), topN(scores, 2, train[0].subarray(0, end)), `position ending at ${end}`)
    })
    teacher.dispose()
  })

  it('builds from per-user lists over every position, covering each listed user\'s last positions, padding short lists with zero probability', () => {
    const train = [Int32Array.of(1, 2, 3), Int32Array.of(4, 5), Int32Array.of(6, 7)]
    const lists = [{ items: [9, 8], scores: [2, 1] }, undefined, { items: [3], scores: [5] }]
    const targets = TeacherTargets.fromUserLists(train, lists, 2, 2)
    assert.deepEqual([Array.from(targets.positions.users), Array.from(targets.positions.ends)], [[0, 0, 1, 2], [1, 2, 1, 1]])
    assert.deepEqual(Array.from(targets.covered ?? []), [1, 1, 0, 1])
    assert.equal(targets.coveredCount, 3)
    assert.deepEqual(Array.from(targets.items), [9, 8, 9, 8, 0, 0, 3, 3])
    assert.deepEqual(Array.from(targets.logits), [2, 1, 2, 1, 0, 0, 5, -1e9])
    // by default a list covers the user's latest position only
    const latest = TeacherTargets.fromUserLists(train, lists, 2)
    assert.deepEqual(Array.from(latest.covered ?? []), [0, 1, 0, 1])
  })

  it('takes targets from any scorer, its history left out, the best item at logit `sharpness`', () => {
    const train = [Int32Array.of(0, 1, 2, 3)]
    // scores item i as i + 1, whatever the history
    const scorer = { name: 'rising', numItems: 6, scoreBatch: (hs: readonly Int32Array[]) => hs.map(() => Float32Array.from({ length: 6 }, (_, i) => i + 1)) }
    const reported: number[] = []
    const targets = scorerTargets(scorer, train, trainingPositions(train), { topN: 3, sharpness: 6, onProgress: (done, total) => reported.push(done, total) })
    assert.deepEqual(reported, [3, 3])
    // ends 1, 2, 3: histories [0], [0, 1], [0, 1, 2]
    assert.deepEqual(Array.from(targets.items), [5, 4, 3, 5, 4, 3, 5, 4, 3])
    assert.deepEqual(Array.from(targets.logits.subarray(0, 3)), [6, 5, 4])
    const short = scorerTargets(scorer, [Int32Array.of(0, 1, 2, 3, 4)], { users: Int32Array.of(0), ends: Int32Array.of(4) }, { topN: 3, sharpness: 6 })
    // history [0, 1, 2, 3] leaves items 4 and 5: the list is padded with the last at zero probability
    assert.deepEqual(Array.from(short.items), [5, 4, 4])
    assert.deepEqual(Array.from(short.logits), [6, 5, -1e9])
  })

  it('takes a scorer\'s raw scores as logits without a sharpness, and refuses non-finite scores', () => {
    const train = [Int32Array.of(0, 1, 2)]
    const rising = { name: 'rising', numItems: 5, scoreBatch: (hs: readonly Int32Array[]) => hs.map(() => Float32Array.from({ length: 5 }, (_, i) => i / 2)) }
    const raw = scorerTargets(rising, train, trainingPositions(train), { topN: 2 })
    assert.deepEqual(Array.from(raw.logits.subarray(0, 2)), [2, 1.5])
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const broken = { name: 'broken', numItems: 5, scoreBatch: (hs: readonly Int32Array[]) => hs.map(() => Float32Array.of(1, bad, 0, 0, 0)) }
      assert.throws(() => scorerTargets(broken, train, trainingPositions(train), { topN: 2 }), { code: 'TEACHER_OUTPUT_INVALID', message: /broken gave a non-finite score/ })
    }
  })

  it('mixes only the teachers that cover a position, their weights renormalised', () => {
    const positions = { users: Int32Array.of(0, 0), ends: Int32Array.of(1, 2) }
    const partial = new TeacherTargets(positions, 1, Int32Array.of(0, 0), Float32Array.of(0, 0), undefined, 0, Uint8Array.of(1, 0))
    const full = new TeacherTargets(positions, 1, Int32Array.of(1, 1), Float32Array.of(0, 0))
    const mixed = mixTeacherTargets([partial, full], [3, 1], 2)
    // position 0: item 0 with 3/4, item 1 with 1/4; position 1: the full teacher alone
    assert.deepEqual(Array.from(mixed.items), [0, 1, 1, 1])
    assert.ok(Math.abs(Math.exp(mixed.logits[0]) - 0.75) < 1e-6)
    assert.ok(Math.abs(Math.exp(mixed.logits[2]) - 1) < 1e-6)
    assert.equal(mixed.covered, undefined, 'the full teacher covers every position')
    const none = mixTeacherTargets([partial], [1], 1)
    assert.deepEqual(Array.from(none.covered ?? []), [1, 0])
  })

  it('mixes teachers as a weighted sum of their top-N distributions', () => {
    const positions = { users: Int32Array.of(0), ends: Int32Array.of(1) }
    const a = new TeacherTargets(positions, 2, Int32Array.of(0, 1), Float32Array.of(0, 0))
    const b = new TeacherTargets(positions, 2, Int32Array.of(1, 2), Float32Array.of(Math.log(3), 0))
    const mixed = mixTeacherTargets([a, b], [1, 1], 3)
    // item 1: 0.5·0.5 + 0.5·0.75, item 0: 0.5·0.5, item 2: 0.5·0.25
    assert.deepEqual(Array.from(mixed.items), [1, 0, 2])
    const probs = Array.from(mixed.logits, Math.exp)
    ;[0.625, 0.25, 0.125].forEach((p, i) => assert.ok(Math.abs(probs[i] - p) < 1e-6))
    assert.throws(() => mixTeacherTargets([a], [1, 2], 2), { code: 'TEACHER_TARGETS_INVALID' })
  })
})
