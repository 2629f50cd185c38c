import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../../../src/tf/backend.js'
import { Teacher } from '../../../src/models/teacher.js'
import { Student } from '../../../src/models/student.js'
import { computeTeacherTargets } from '../../../src/distill/targets/teacher-targets.js'
import { distillStudent } from '../../../src/distill/student/distill-student.js'
import { trainingPositions } from '../../../src/distill/training/training-positions.js'
import { trainTeacher } from '../../../src/distill/teacher/train-teacher.js'
import { createProgress, throttledProgress } from '../../../src/distill/training/progress.js'
import { evaluate } from '../../../src/distill/evaluation/evaluate.js'
import { buildDataset } from '../../../src/data/build-dataset.js'
import { generateSynthetic } from '../../../src/data/synthetic.js'
import { leaveOneOut } from '../../../src/data/split.js'

const split = leaveOneOut(buildDataset(generateSynthetic({ users: 80, items: 40, meanLength: 15, seed: 3 })))
const numItems = 40
const teacherShape = { numItems, dim: 16, blocks: 1, heads: 2, ffnDim: 16, maxLen: 12 }
const base = { epochs: 3, batchSize: 16, learningRate: 5e-3, seed: 9, progress: false } as const

describe('trainer', () => {
  before(async () => { await selectBackend() })

  for (const loss of [{ kind: 'full' }, { kind: 'sampled', negatives: 16 }, { kind: 'sampled', negatives: 16, popularityPower: 1 }, { kind: 'gbce', negatives: 16 }] as const) {
    it(`trains the teacher with ${JSON.stringify(loss)} loss on wasm, releasing every tensor`, () => {
      const teacher = new Teacher(teacherShape)
      const untrained = evaluate(teacher, split.valid).ndcg
      const before = tf.memory().numTensors
      const report = trainTeacher(teacher, split.train, { ...base, loss })
      assert.equal(tf.memory().numTensors, before)
      assert.equal(report.epochs.length, 3)
      assert.ok(report.epochs[2].loss < report.epochs[0].loss, `loss ${report.epochs.map(e => e.loss)}`)
      assert.ok(evaluate(teacher, split.valid).ndcg > untrained)
      assert.ok(report.positions > 0 && report.usPerPosition > 0)
      teacher.dispose()
    })
  }

  it('trains a full-softmax teacher chunk by chunk to the same weights as in one piece', () => {
    const train = (chunkRows?: number): { losses: number[], ndcg: number } => {
      const teacher = new Teacher(teacherShape)
      const before = tf.memory().numTensors
      const report = trainTeacher(teacher, split.train, { ...base, epochs: 2, loss: { kind: 'full', chunkRows } })
      assert.equal(tf.memory().numTensors, before)
      const ndcg = evaluate(teacher, split.valid).ndcg
      teacher.dispose()
      return { losses: report.epochs.map((e) => e.loss), ndcg }
    }
    const whole = train()
    const chunked = train(7)
    whole.losses.forEach((loss, i) => assert.ok(Math.abs(chunked.losses[i] - loss) < 1e-3 * loss, `epoch ${i + 1}: ${chunked.losses[i]} vs ${loss}`))
    assert.ok(Math.abs(chunked.ndcg - whole.ndcg) < 0.01, `valid NDCG@10 ${chunked.ndcg} vs ${whole.ndcg}`)
  })

  it('trains on each user\'s latest windows only when windowsPerUser is set', () => {
    const teacher = new Teacher({ ...teacherShape, maxLen: 4 })
    const train = [Int32Array.from({ length: 11 }, (_, i) => i % numItems), Int32Array.of(1, 2, 3)]
    const all = trainTeacher(teacher, train, { ...base, epochs: 1, loss: { kind: 'full' } })
    const last = trainTeacher(teacher, train, { ...base, epochs: 1, loss: { kind: 'full' }, windowsPerUser: 1 })
    assert.equal(all.positions, 10 + 2)
    assert.equal(last.positions, 4 + 2)
    teacher.dispose()
  })

  it('reproduces the same weights from the same seed', () => {
    const run = (): Float32Array[] => {
      const student = new Student({ numItems, dim: 4, window: 5 })
      distillStudent(student, split.train, { ...base, epochs: 1, losses: { task: { weight: 1 } } })
      const scores = student.scoreBatch([Int32Array.of(1, 2, 3)])
      student.dispose()
      return scores
    }
    assert.deepEqual(run(), run())
  })

  it('keeps the weights of the best validation epoch and stops after `patience` worse epochs', () => {
    const student = new Student({ numItems, dim: 4, window: 5 })
    const metrics = [0.1, 0.5, 0.2, 0.3, 0.9]
    const seen: Float32Array[] = []
    const report = distillStudent(student, split.train, {
      ...base,
      epochs: 5,
      patience: 2,
      losses: { task: { weight: 1 } },
      validate: m => {
        seen.push(m.scoreBatch([Int32Array.of(1, 2)])[0])
        return metrics[seen.length - 1]
      }
    })
    assert.equal(report.epochs.length, 4)
    assert.equal(report.bestEpoch, 1)
    assert.equal(report.bestMetric, 0.5)
    assert.deepEqual(student.scoreBatch([Int32Array.of(1, 2)])[0], seen[1])
    student.dispose()
  })

  it('trains the first epoch alike and the later ones differently under a decaying learning rate', () => {
    const after = (decay: 'constant' | 'linear'): Float32Array[] => {
      const student = new Student({ numItems, dim: 4, window: 5, seed: 2 })
      const seen: Float32Array[] = []
      distillStudent(student, split.train, {
        ...base,
        learningRateDecay: decay,
        losses: { task: { weight: 1 } },
        validate: m => { seen.push(m.scoreBatch([Int32Array.of(1, 2)])[0]); return seen.length }
      })
      student.dispose()
      return seen
    }
    const constant = after('constant')
    const linear = after('linear')
    assert.deepEqual(linear[0], constant[0])
    assert.notDeepEqual(linear[1], constant[1])
  })

  it('gives an ETA within the time budget when one is set, not the epochs\' one', () => {
    const student = new Student({ numItems, dim: 4, window: 5, seed: 2 })
    const etas: number[] = []
    const report = distillStudent(student, split.train, {
      ...base,
      epochs: 1000,
      maxSeconds: 0.5,
      losses: { task: { weight: 1 } },
      progress: { step () {}, epoch ({ etaSeconds }) { etas.push(etaSeconds) }, done () {} }
    })
    student.dispose()
    assert.ok(report.epochs.length < 1000)
    const perEpoch = report.seconds / report.epochs.length
    for (const eta of etas) assert.ok(eta <= 0.5 + 2 * perEpoch + 0.05, `ETA ${eta} s with a 0.5 s budget (${perEpoch.toFixed(3)} s per epoch)`)
    assert.equal(etas.at(-1), 0, 'the last epoch, past the budget, has nothing left')
  })

  it('validates on NDCG@10 of the given cases', () => {
    const student = new Student({ numItems, dim: 4, window: 5 })
    const report = distillStudent(student, split.train, { ...base, epochs: 1, valid: split.valid, losses: { task: { weight: 1 } } })
    assert.equal(report.epochs[0].metric, evaluate(student, split.valid, { k: 10 }).ndcg)
    student.dispose()
  })

  it('distils with every loss on under a decaying teacher weight, releasing every tensor', () => {
    const teacher = new Teacher(teacherShape)
    const targets = computeTeacherTargets(teacher, split.train, trainingPositions(split.train, 4), { topN: 8, withItemEmbeddings: true })
    const student = new Student({ numItems, dim: 4, window: 5 })
    const before = tf.memory().numTensors
    const report = distillStudent(student, split.train, {
      ...base,
      targets,
      schedule: { kind: 'linear', start: 1, end: 0.2, epochs: 3 },
      losses: { task: { weight: 1 }, kd: { weight: 1, temperature: 2 }, ranking: { weight: 0.5, k: 4 }, hint: { weight: 0.1 } }
    })
    assert.equal(tf.memory().numTensors, before)
    assert.equal(report.positions, 3 * targets.size)
    assert.ok(report.epochs.every(e => Number.isFinite(e.loss)))
    student.dispose()
    teacher.dispose()
  })

  it('refuses teacher losses without teacher targets', () => {
    const student = new Student({ numItems, dim: 4 })
    assert.throws(() => distillStudent(student, split.train, { ...base, losses: { kd: { weight: 1, temperature: 2 } } }),
      { code: 'DISTILL_OPTIONS_INVALID' })
    student.dispose()
  })

  it('logs a long computation\'s progress at most once per interval, with its ETA, and nothing for a short one', () => {
    const lines: string[] = []
    let t = 0
    const report = throttledProgress('teacher targets', (l) => lines.push(l), 10_000, () => t)
    t = 4_000; report(100, 1000)
    t = 12_000; report(300, 1000)
    t = 15_000; report(400, 1000)
    t = 40_000; report(1000, 1000)
    assert.deepEqual(lines, ['teacher targets: 300/1000 positions (30%), 12s, eta 28s'])
  })

  it('gives a long computation\'s progress line and a run\'s last line their figures as fields', () => {
    const logged: Array<Record<string, unknown> | undefined> = []
    let t = 0
    const report = throttledProgress('teacher targets', (_line, fields) => logged.push(fields), 10_000, () => t)
    t = 12_000; report(300, 1000)
    assert.deepEqual(logged, [{ computing: 'teacher targets', done: 300, total: 1000, seconds: 12, etaSeconds: 28 }])
    const done: Array<Record<string, unknown> | undefined> = []
    const teacher = new Teacher(teacherShape)
    const report2 = trainTeacher(teacher, split.train, { ...base, loss: { kind: 'full' }, valid: split.valid, progress: { step () {}, epoch () {}, done: (_summary, fields) => done.push(fields) } })
    teacher.dispose()
    assert.deepEqual(done, [{ epoch: 3, epochs: 3, bestEpoch: report2.bestEpoch + 1, validNdcg: report2.bestMetric, seconds: Number(report2.seconds.toFixed(1)) }])
  })

  it('reports one line per epoch on a plain stream and redraws one line on a TTY', () => {
    const plain: string[] = []
    const progress = createProgress('student', { write: s => plain.push(s) > 0 })
    progress.step({ epoch: 0, epochs: 2, step: 1, steps: 2, loss: 1 })
    progress.epoch({ epoch: 0, epochs: 2, loss: 1.5, metric: 0.25, seconds: 2, etaSeconds: 2 })
    assert.deepEqual(plain, ['student epoch 1/2 loss 1.5000 valid ndcg@10 0.2500 2.0s eta 2s\n'])
    const tty: string[] = []
    const bar = createProgress('teacher', { write: s => tty.push(s) > 0, isTTY: true })
    bar.step({ epoch: 0, epochs: 2, step: 2, steps: 2, loss: 1 })
    assert.match(tty[0], /^\rteacher epoch 1\/2 \[#+\] 2\/2 loss 1\.0000/)
  })
})
