import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { Random } from '../../../src/data/random.js'
import { distillStudent } from '../../../src/distill/student/distill-student.js'
import { Student, type StudentFamily } from '../../../src/models/student.js'
import { selectBackend } from '../../../src/tf/backend.js'

const rng = new Random(11)
const seqs = Array.from({ length: 40 }, () => Int32Array.from({ length: 8 }, () => rng.int(12)))

function trained (family: StudentFamily, dropout: number): { student: Student, losses: number[] } {
  const student = new Student({ family, numItems: 12, dim: 8, window: 4, seed: 3 })
  const report = distillStudent(student, seqs, { epochs: 3, batchSize: 16, learningRate: 0.01, seed: 1, progress: false, dropout, losses: { task: { weight: 1 } } })
  return { student, losses: report.epochs.map((e) => e.loss) }
}

describe('attention student dropout', () => {
  before(async () => { await selectBackend() })

  it('drops out only while training: encode with a training seed differs, without one it is the serving encoder', () => {
    const student = new Student({ family: 'attention', numItems: 12, dim: 8, window: 4, seed: 3 })
    const windows = student.windows(seqs.slice(0, 5))
    const plain = student.encode(windows)
    const seeds = new Random(2)
    const dropped = student.encode(windows, undefined, { dropout: 0.5, nextSeed: () => seeds.int(2 ** 31) })
    assert.notDeepEqual(Array.from(dropped.dataSync()), Array.from(plain.dataSync()))
    const encoder = student.encoder()
    const served = seqs.slice(0, 5).flatMap((h) => Array.from(encoder.encode(h)).slice(0, 8))
    Array.from(plain.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - served[i]) < 1e-4, `${v} vs ${served[i]}`))
    tf.dispose([windows, plain, dropped])
    student.dispose()
  })

  it('trains an attention student with dropout (another path than without), and leaves the other families as they were', () => {
    const tensors = tf.memory().numTensors
    const off = trained('attention', 0)
    const on = trained('attention', 0.3)
    assert.ok(on.losses.every(Number.isFinite))
    assert.notDeepEqual(on.losses, off.losses)
    const pooling = [trained('last-item', 0), trained('last-item', 0.3)]
    assert.deepEqual(pooling[1].losses, pooling[0].losses, 'a family without a block ignores the rate')
    for (const t of [off, on, ...pooling]) t.student.dispose()
    assert.equal(tf.memory().numTensors, tensors)
  })
})
