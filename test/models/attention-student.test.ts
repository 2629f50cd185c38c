import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { Random } from '../../src/data/random.js'
import { AttentionBlock } from '../../src/models/attention-block.js'
import { latestAttentionState } from '../../src/models/latest-attention.js'
import { ATTENTION_WEIGHT_NAMES } from '../../src/models/latest-attention-shape.js'
import { Student } from '../../src/models/student.js'
import { StudentEncoder, type StudentWeightValues } from '../../src/models/student-encoder.js'
import { layerNorm } from '../../src/tf/layers.js'
import { selectBackend } from '../../src/tf/backend.js'
import { randomStudent } from './random-student.js'
import { servedScore } from './served-score.js'

const NUM_ITEMS = 30

function valuesOf (student: Student): StudentWeightValues {
  return Object.fromEntries(Object.entries(student.weights()).map(([name, v]) => [name, Float32Array.from(v.dataSync() as Float32Array)])) as unknown as StudentWeightValues
}

describe('the attention student family', () => {
  before(async () => { await selectBackend() })

  it('reads the latest position of a full causal pass: the teacher\'s block over every position, read at the end', () => {
    for (const heads of [1, 2]) {
      const student = randomStudent({ family: 'attention', numItems: NUM_ITEMS, dim: 8, window: 6, heads, ffnDim: 12, seed: 5 })
      const w = student.weights()
      const block = new AttentionBlock({ dim: 8, heads, ffnDim: 12 }, new Random(1))
      const bw = block.weights
      tf.tidy(() => {
        bw.qkvKernel.assign(tf.concat([w.queryKernel, w.keyKernel, w.valueKernel], 1))
        bw.qkvBias.assign(tf.concat([w.queryBias, w.keyBias, w.valueBias]))
        for (const name of ['ln1Gamma', 'ln1Beta', 'outKernel', 'outBias', 'ln2Gamma', 'ln2Beta', 'ffn1Kernel', 'ffn1Bias', 'ffn2Kernel', 'ffn2Bias']) bw[name].assign(w[name])
      })
      const histories = [Int32Array.of(3), Int32Array.of(1, 2, 3, 4), Int32Array.of(5, 6, 7, 8, 9, 10, 11, 12), Int32Array.of(7, 7, 2)]
      const [latest, full] = tf.tidy(() => {
        const windows = student.windows(histories)
        const real = tf.cast(tf.notEqual(windows, student.padId), 'float32') as tf.Tensor2D
        const vectors = tf.gather(w.items, windows) as tf.Tensor3D
        const latest = latestAttentionState(vectors, real, w, heads)
        // the whole causal block, as the teacher runs it, on the same inputs
        const [n, len] = windows.shape
        const x = tf.mul(tf.add(tf.mul(vectors, Math.sqrt(8)), w.positions), tf.expandDims(real, 2)) as tf.Tensor3D
        const allowed = tf.mul(tf.linalg.bandPart(tf.ones([len, len]), -1, 0), tf.reshape(real, [n, 1, 1, len]))
        const states = block.apply(x, { attentionMask: tf.mul(tf.sub(1, allowed), -1e9), timelineMask: tf.expandDims(real, 2), dropoutRate: 0 })
        const normed = layerNorm(states, w.finalGamma, w.finalBeta)
        return [latest, tf.reshape(tf.slice(normed, [0, len - 1, 0], [n, 1, 8]), [n, 8])]
      })
      const a = latest.dataSync()
      const b = full.dataSync()
      a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-4, `heads ${heads}, value ${i}: ${v} vs ${b[i]}`))
      tf.dispose([latest, full])
      for (const v of Object.values(bw)) v.dispose()
      student.dispose()
    }
  })

  it('depends on the order of the history, not only on its last item (unlike a pool of one position weight each)', () => {
    const student = randomStudent({ family: 'attention', numItems: NUM_ITEMS, dim: 6, window: 5, seed: 2 })
    const [a, b, c] = student.userVectors([Int32Array.of(1, 2, 3), Int32Array.of(2, 1, 3), Int32Array.of(9, 4, 3)])
    assert.ok(a.some((v, d) => v !== b[d]), 'the same items in another order')
    assert.ok(a.some((v, d) => v !== c[d]), 'the same last item after other items')
    student.dispose()
  })

  it('counts the block in its parameters and costs, and keeps the item matrix layout', () => {
    const pooling = new Student({ numItems: 100, dim: 8, window: 5 })
    const attention = new Student({ family: 'attention', numItems: 100, dim: 8, window: 5, heads: 2, ffnDim: 16 })
    assert.deepEqual([attention.config.heads, attention.config.ffnDim], [2, 16])
    // positions 5 x 8, 3 layer norms, q/k/v/out 8 x 8 + 8 each, feed-forward 8 x 16 + 16 + 16 x 8 + 8; no position weights
    const block = 5 * 8 + 3 * 16 + 4 * (64 + 8) + (128 + 16 + 128 + 8)
    assert.equal(attention.paramCount() - pooling.paramCount(), block - 5)
    // per position its row and a score and a mix per head; query, key reader, value and output maps; feed-forward
    const macs = 5 * (2 * 2 + 1) * 8 + 4 * 64 + 2 * 8 * 16
    assert.equal(attention.flopsPerRequest() - pooling.flopsPerRequest(), 2 * (macs - 5 * 8))
    assert.equal(attention.servingDim, pooling.servingDim)
    assert.deepEqual(Object.keys(attention.weights()).filter((n) => (ATTENTION_WEIGHT_NAMES as readonly string[]).includes(n)).length, ATTENTION_WEIGHT_NAMES.length)
    assert.equal(attention.itemMatrix().length, pooling.itemMatrix().length)
    pooling.dispose()
    attention.dispose()
  })

  it('refuses heads that do not divide dim, a block shape on another family, and weights of another family, creating no tensors', () => {
    const tensors = tf.memory().numTensors
    assert.throws(() => new Student({ family: 'attention', numItems: 10, dim: 6, heads: 4 }), /dim 6 is not divisible by its 4 heads/)
    assert.throws(() => new Student({ family: 'attention', numItems: 10, ffnDim: 0 }), /ffnDim must be a positive integer/)
    assert.throws(() => new Student({ family: 'pooling', numItems: 10, heads: 2 }), /a pooling student has none/)
    assert.equal(tf.memory().numTensors, tensors)
    const pooling = randomStudent({ numItems: NUM_ITEMS, dim: 6, window: 5, seed: 1 })
    assert.throws(() => new StudentEncoder({ ...pooling.config, family: 'attention' }, valuesOf(pooling)), /weight positions is missing/)
    pooling.dispose()
  })

  it('explains by leave-one-out: the window item whose removal lowers the served score most, by that much', () => {
    const student = randomStudent({ family: 'attention', numItems: NUM_ITEMS, dim: 6, window: 5, heads: 2, seed: 12 })
    const encoder = student.encoder()
    const { window } = student.config
    // item 4 twice (both removed together), items 20 and 21 before the window (never credited)
    const history = Int32Array.of(20, 21, 4, 7, 4, 9, 12)
    const recent = history.subarray(history.length - window)
    const targets = Int32Array.of(0, 3, 4, 15, 29)
    const explained = encoder.explain(history, targets)
    for (const [t, target] of targets.entries()) {
      const full = servedScore(encoder, history, target)
      // most recent first, so the first of equal drops is the more recent item
      const drops = [12, 9, 4, 7].map((kept) => ({ kept, drop: full - servedScore(encoder, recent.filter((h) => h !== kept), target) }))
      const best = drops.reduce((a, b) => (b.drop > a.drop ? b : a))
      assert.equal(explained[t].item, best.kept, `item ${target}: ${JSON.stringify(drops)}`)
      assert.ok(Math.abs(explained[t].contribution - best.drop) <= 1e-4 * (1 + Math.abs(best.drop)), `${explained[t].contribution} vs ${best.drop}`)
    }
    // one distinct item: its removal leaves the empty history's vector
    const [single] = encoder.explain(Int32Array.of(8, 8), Int32Array.of(3))
    assert.equal(single.item, 8)
    assert.ok(Math.abs(single.contribution - (servedScore(encoder, Int32Array.of(8, 8), 3) - servedScore(encoder, new Int32Array(0), 3))) < 1e-4)
    assert.throws(() => encoder.explain(new Int32Array(0), targets), /non-empty history/)
    student.dispose()
  })
})
