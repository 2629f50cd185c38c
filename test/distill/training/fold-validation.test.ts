import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { foldValidation } from '../../../src/distill/training/fold-validation.js'
import { runStudent } from '../../../src/distill/student/student-pipeline.js'
import { runTeacher } from '../../../src/distill/teacher/teacher-pipeline.js'
import { loadData, type LoadedData } from '../../../src/distill/training/training-data.js'
import { selectBackend } from '../../../src/tf/backend.js'

const TEACHER = { dim: 8, blocks: 1, heads: 1, ffnDim: 8, maxLen: 10 }

describe('fitting on train plus validation for the test ranking (--fit train+valid)', () => {
  let dir: string
  let data: LoadedData
  before(async () => {
    await selectBackend()
    dir = await mkdtemp(join(tmpdir(), 'distillrec-fold-'))
    data = await loadData('synthetic', 'auto', 5)
  })
  after(async () => await rm(dir, { recursive: true, force: true }))

  it('folds each user\'s validation target into training and leaves the test cases as they are', () => {
    const folded = foldValidation(data)
    assert.equal(folded.split.valid.length, 0)
    assert.equal(folded.split.test, data.split.test)
    assert.notEqual(folded.fingerprint, data.fingerprint)
    assert.equal(folded.split.train.length, data.split.train.length)
    for (const c of data.split.valid) {
      const sequence = folded.split.train[c.user]
      assert.deepEqual(Array.from(sequence), [...c.history, c.target])
    }
    // users without eval cases keep their whole sequence
    data.split.train.forEach((s, u) => { if (!data.split.test.some((c) => c.user === u)) assert.equal(folded.split.train[u], s) })
  })

  it('refits a teacher for the epochs chosen on validation, tests the refit, and never saves it', async () => {
    const tensors = tf.memory().numTensors
    const options = { data, modelsDir: dir, teacher: TEACHER, loss: { kind: 'full' } as const, epochs: 3, seed: 5, progress: false as const }
    const trained = await runTeacher({ ...options, save: false })
    const refitted = await runTeacher({ ...options, save: false, fit: 'train+valid' })
    assert.ok(refitted.refit !== undefined && trained.refit === undefined)
    assert.equal(refitted.refit.epochs.length, refitted.report.bestEpoch + 1)
    assert.ok(refitted.refit.epochs.every((e) => e.metric === undefined), 'the refit has no validation to read')
    assert.equal(refitted.report.bestMetric, trained.report.bestMetric, 'the choice on validation is the plain run\'s')
    assert.notEqual(refitted.test.ndcg, trained.test.ndcg, 'the tested model is the refit')
    assert.equal(tf.memory().numTensors, tensors)
    await assert.rejects(runTeacher({ ...options, save: true, fit: 'train+valid' }), { code: 'DISTILL_OPTIONS_INVALID' })
  })

  it('refits a student with the teacher weight and epochs chosen on validation, its targets over the folded positions', async () => {
    await runTeacher({ data, modelsDir: dir, teacher: TEACHER, loss: { kind: 'full' }, epochs: 1, seed: 5, save: true, progress: false })
    const tensors = tf.memory().numTensors
    const lines: string[] = []
    const options = {
      data,
      modelsDir: dir,
      student: { dim: 8, window: 5 },
      losses: { task: { weight: 1 }, kd: { weight: 1, temperature: 1, normalise: 'support' as const } },
      teacher: { topN: 8, maxLen: 10 },
      teacherWeights: [1],
      epochs: 2,
      seed: 5,
      save: false,
      progress: false as const,
      log: (line: string) => lines.push(line)
    }
    const run = await runStudent({ ...options, fit: 'train+valid' })
    assert.ok(run.refit !== undefined)
    assert.equal(run.refit.epochs.length, run.report.bestEpoch + 1)
    const log = lines.join('\n')
    assert.match(log, new RegExp(`refitting on train\\+valid: ${run.report.bestEpoch + 1} epoch\\(s\\), teacher weight ${run.teacherWeight}`))
    const folded = foldValidation(data).split.train.reduce((n, s) => n + Math.max(0, s.length - 1), 0)
    assert.match(log, new RegExp(`teacher v1: top-8 targets at ${folded} positions computed`))
    assert.equal(run.teacherLabel, 'teacher v1')
    assert.equal(tf.memory().numTensors, tensors)
    await assert.rejects(runStudent({ ...options, save: true, fit: 'train+valid' }), { code: 'DISTILL_OPTIONS_INVALID' })
    await assert.rejects(runStudent({ ...options, teacher: { ...options.teacher, ensemble: { sharpness: 5 } }, fit: 'train+valid' }), { code: 'DISTILL_OPTIONS_INVALID' })
  })
})
