import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { runStudent } from '../../../src/distill/student/student-pipeline.js'
import type { StudentRunOptions } from '../../../src/distill/student/student-run-options.js'
import { servingCostMs } from '../../../src/distill/student/serving-cost.js'
import { evaluate } from '../../../src/distill/evaluation/evaluate.js'
import { loadData, type LoadedData } from '../../../src/distill/training/training-data.js'
import { loadStudent, saveModel } from '../../../src/models/artifact/model-io.js'
import { manifestFamily } from '../../../src/models/artifact/manifest.js'
import { Student, STUDENT_FAMILIES, type StudentFamily } from '../../../src/models/student.js'
import { Teacher } from '../../../src/models/teacher.js'
import { selectBackend } from '../../../src/tf/backend.js'

const SHAPE = { dim: 4, window: 5 }

describe('a student run with --student auto', () => {
  let data: LoadedData
  let root: string
  before(async () => {
    await selectBackend()
    data = await loadData('synthetic', 'auto', 3)
    root = await mkdtemp(join(tmpdir(), 'distillrec-auto-student-'))
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  const run = async (auto: NonNullable<StudentRunOptions['auto']>, extra: Partial<StudentRunOptions> = {}, lines: string[] = []) => await runStudent({
    data,
    modelsDir: join(root, 'unused'),
    student: SHAPE,
    losses: { task: { weight: 1 } },
    epochs: 1,
    seed: 3,
    save: false,
    log: (line) => lines.push(line),
    progress: false,
    auto,
    ...extra
  })
  /** Pooling costs 1 ms a request, every other family 10 ms. */
  const fixedCost = (student: Student): number => student.family === 'pooling' ? 1 : 10

  it('with a tight latency budget picks the cheaper family, though another is better on validation', async () => {
    const tensors = tf.memory().numTensors
    const lines: string[] = []
    const result = await run({ families: STUDENT_FAMILIES, latencyBudgetMs: 5, cost: fixedCost }, {}, lines)
    assert.equal(result.family, 'pooling')
    const s = result.selection!
    assert.equal(s.chosen, 'pooling')
    assert.deepEqual(s.candidates.map((c) => c.family), [...STUDENT_FAMILIES])
    for (const c of s.candidates) {
      assert.equal(c.eligible, c.family === 'pooling', c.why)
      if (c.family !== 'pooling') assert.match(c.why, /^10\.000 ms over the 5 ms budget/)
    }
    assert.equal(s.maxParams, null)
    assert.ok(lines.includes('no teacher: the families are judged without a parameter cap'), lines.join('\n'))
    assert.ok(lines.some((l) => l.startsWith('student family chosen: pooling')), lines.join('\n'))
    assert.equal(tf.memory().numTensors, tensors, 'every family\'s student is disposed')
  })

  it('with a loose budget keeps the best family on the validation users the gate judges on', async () => {
    const result = await run({ families: STUDENT_FAMILIES, latencyBudgetMs: 100, cost: fixedCost })
    const s = result.selection!
    const best = s.candidates.reduce((a, b) => b.ndcg > a.ndcg || (b.ndcg === a.ndcg && b.costMs < a.costMs) ? b : a)
    assert.equal(s.chosen, best.family)
    assert.equal(result.family, best.family)
    assert.ok(s.candidates.every((c) => c.eligible))
  })

  it('measures the serving cost for real by default (a positive median in ms)', async () => {
    const result = await run({ families: ['pooling'], latencyBudgetMs: 1000 })
    const [c] = result.selection!.candidates
    assert.ok(c.costMs > 0 && c.costMs < 1000, String(c.costMs))
    const student = new Student({ numItems: data.dataset.items.size, ...SHAPE, seed: 1 })
    assert.ok(servingCostMs(student, data.split.valid, 16) > 0)
    assert.ok(Number.isNaN(servingCostMs(student, [])))
    assert.ok(evaluate(student, data.split.valid, { k: 10 }).ndcg >= 0)
    student.dispose()
  })

  it('stops each family once its seconds are spent (--family-budget)', async () => {
    const lines: string[] = []
    const result = await run({ families: STUDENT_FAMILIES, latencyBudgetMs: 100, cost: fixedCost, familySeconds: 1e-6 }, { epochs: 5, patience: 5 }, lines)
    assert.equal(result.report.epochs.length, 1, 'the first epoch passes the budget')
    const unbounded = await run({ families: ['pooling'], latencyBudgetMs: 100, cost: fixedCost }, { epochs: 3, patience: 5 })
    assert.equal(unbounded.report.epochs.length, 3)
  })

  it('fails with STUDENT_NONE_ELIGIBLE when no family is within the budget', async () => {
    const tensors = tf.memory().numTensors
    await assert.rejects(run({ families: STUDENT_FAMILIES, latencyBudgetMs: 0.5, cost: fixedCost }), { code: 'STUDENT_NONE_ELIGIBLE' })
    assert.equal(tf.memory().numTensors, tensors)
  })

  it('excludes a family over the parameter cap (a share of the teacher\'s parameters), and the manifest records the choice', async () => {
    const modelsDir = join(root, 'capped')
    const teacher = new Teacher({ numItems: data.dataset.items.size, dim: 16, blocks: 1, heads: 1, ffnDim: 16, maxLen: 10, seed: 1 })
    const teacherParams = teacher.paramCount()
    await saveModel(modelsDir, teacher, { itemIds: data.dataset.items.ids(), datasetFingerprint: data.fingerprint })
    teacher.dispose()
    const params = new Map(STUDENT_FAMILIES.map((family): [StudentFamily, number] => {
      const s = new Student({ family, numItems: data.dataset.items.size, ...SHAPE, seed: 1 })
      const n = s.paramCount()
      s.dispose()
      return [family, n]
    }))
    // a cap just under the largest family: that one (and only that one) is excluded
    const largest = Math.max(...params.values())
    const rest = Math.max(0, ...[...params.values()].filter((n) => n < largest))
    assert.ok(rest > 0, 'the families differ in size')
    const cap = (largest + rest) / 2
    const excluded = [...params].filter(([, n]) => n > cap).map(([f]) => f)
    const result = await run({ families: STUDENT_FAMILIES, latencyBudgetMs: 100, cost: () => 1, paramRatio: cap / teacherParams }, {
      modelsDir,
      losses: { task: { weight: 1 }, kd: { weight: 1, temperature: 1, normalise: 'support' } },
      teacher: { version: 1, maxLen: 10, topN: 5 },
      save: true
    })
    const s = result.selection!
    assert.equal(s.maxParams, Math.floor(teacherParams * (cap / teacherParams)))
    for (const c of s.candidates) {
      assert.equal(c.params, params.get(c.family))
      assert.equal(c.eligible, !excluded.includes(c.family), c.why)
    }
    assert.ok(!excluded.includes(s.chosen))
    const { model, manifest } = await loadStudent(modelsDir)
    model.dispose()
    assert.equal(manifestFamily(manifest), s.chosen)
    assert.deepEqual(manifest.selection, s)
    assert.equal(manifest.teacherVersion, 1)
  })
})
