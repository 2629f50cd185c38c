import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { evaluate } from '../../src/distill/evaluation/evaluate.js'
import { withEvaluationSample } from '../../src/distill/evaluation/evaluation-sample.js'
import { runStudent } from '../../src/distill/student/student-pipeline.js'
import { runTeacher } from '../../src/distill/teacher/teacher-pipeline.js'
import { loadData, type LoadedData } from '../../src/distill/training/training-data.js'
import { CURVES_FILE } from '../../src/models/artifact/index.js'
import { loadStudent } from '../../src/models/artifact/model-io.js'
import { selectBackend } from '../../src/tf/backend.js'

describe('the training pipeline, called without a CLI (as the worker calls it)', () => {
  let dir: string
  let data: LoadedData
  before(async () => {
    await selectBackend()
    dir = await mkdtemp(join(tmpdir(), 'distillrec-pipeline-'))
    data = await loadData('synthetic', 'auto', 3)
  })
  after(async () => await rm(dir, { recursive: true, force: true }))

  it('trains a teacher, distils a student from it, saves both with their figures, and leaks no tensor', async () => {
    const tensors = tf.memory().numTensors
    const lines: string[] = []
    const teacher = await runTeacher({ data, modelsDir: dir, teacher: { dim: 16, blocks: 1, heads: 1, ffnDim: 16, maxLen: 10 }, loss: { kind: 'full' }, epochs: 1, seed: 3, save: true })
    assert.equal(teacher.version, 1)
    const student = await runStudent({
      data,
      modelsDir: dir,
      student: { dim: 8, window: 5 },
      losses: { task: { weight: 1 }, kd: { weight: 1, temperature: 1, normalise: 'support' } },
      teacher: { topN: 8, maxLen: 10 },
      epochs: 1,
      seed: 3,
      save: true,
      log: (line) => lines.push(line)
    })
    assert.equal(student.version, 1)
    assert.equal(student.teacherLabel, 'teacher v1')
    assert.ok(student.overlap !== undefined && student.overlap >= 0 && student.overlap <= 1)
    assert.ok(lines.some((l) => l.includes('targets')), 'teacher-target progress reaches the log')
    const saved = await loadStudent(dir, 1)
    assert.equal(saved.manifest.teacherVersion, 1)
    const teacherManifest = JSON.parse(await readFile(join(dir, 'teacher', '1', 'manifest.json'), 'utf8'))
    assert.deepEqual(saved.manifest.teacher, { kind: 'saved', source: 'teacher v1', sha256: teacherManifest.weights.sha256, weight: 1 })
    assert.equal(saved.manifest.metrics.ndcg10, student.test.ndcg)
    saved.model.dispose()
    assert.equal(tf.memory().numTensors, tensors)

    // each run's curves beside its artifact: one line per epoch, the loss by term, and its cost
    for (const [role, terms] of [['teacher', undefined], ['student', ['task', 'kd']]] as const) {
      const lines = (await readFile(join(dir, role, '1', CURVES_FILE), 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
      assert.equal(lines.length, 1)
      assert.equal(lines[0].stage, role)
      assert.equal(lines[0].epoch, 1)
      assert.ok(Number.isFinite(lines[0].loss) && lines[0].learningRate > 0 && lines[0].seconds > 0)
      assert.ok(Number.isFinite(lines[0].validNdcg))
      if (terms !== undefined) {
        assert.deepEqual(Object.keys(lines[0].terms), terms)
        assert.equal(lines[0].teacherWeight, 1)
        // the total is the weighted sum of the terms (both weights 1 here)
        assert.ok(Math.abs(lines[0].terms.task + lines[0].terms.kd - lines[0].loss) < 1e-3 * lines[0].loss)
      }
    }
    assert.ok(saved.manifest.metrics.usPerRequest > 0)
  })

  it('chooses the teacher\'s weight on validation, down to 0 for a teacher that makes the student worse', async () => {
    // an adversarial teacher: every user's list is the least popular items, sure of itself
    const counts = new Float64Array(data.dataset.items.size)
    for (const s of data.split.train) for (const item of s) counts[item]++
    const worst = Array.from(counts.keys()).sort((a, b) => counts[a] - counts[b]).slice(0, 16)
    const itemIds = data.dataset.items.ids()
    const scores = join(dir, 'adversarial.jsonl')
    await writeFile(scores, data.dataset.users.ids().map((userId) =>
      JSON.stringify({ userId, items: worst.map((item, rank) => ({ itemId: itemIds[item], score: 10 - rank / 4 })) })).join('\n') + '\n')
    const lines: string[] = []
    const options = {
      data,
      modelsDir: join(dir, 'adversarial'),
      student: { dim: 8, window: 5 },
      losses: { task: { weight: 1 }, kd: { weight: 10, temperature: 1, normalise: 'support' as const } },
      teacher: { topN: 8, maxLen: 10, scoresFile: scores, listPositions: 1000 },
      epochs: 2,
      seed: 3,
      save: false,
      progress: false as const,
      log: (line: string) => lines.push(line)
    }
    const distilled = await runStudent({ ...options, teacherWeights: [1] })
    const undistilled = await runStudent({ ...options, losses: { task: { weight: 1 } } })
    assert.ok(distilled.report.bestMetric! < undistilled.report.bestMetric!, 'the adversarial teacher does hurt')
    const chosen = await runStudent({ ...options, teacherWeights: [1, 0] })
    assert.equal(chosen.teacherWeight, 0)
    assert.equal(chosen.teacherLabel, null)
    assert.equal(chosen.report.bestMetric, undistilled.report.bestMetric, 'weight 0 is exactly the undistilled student')
    assert.equal(chosen.test.ndcg, undistilled.test.ndcg)
    assert.ok(lines.some((l) => /teacher weight chosen on validation NDCG@10: 0 \(1: [\d.]+, 0: [\d.]+\); .* made the student worse/.test(l)), lines.join('\n'))
    await assert.rejects(runStudent({ ...options, teacherWeights: [-1] }), { code: 'DISTILL_OPTIONS_INVALID' })
    // a kept teacher is recorded with its checksum
    const kept = await runStudent({ ...options, teacherWeights: [1], epochs: 1, save: true })
    const manifest = JSON.parse(await readFile(join(kept.dir!, 'manifest.json'), 'utf8'))
    assert.deepEqual(manifest.teacher, { kind: 'scores', source: scores, sha256: createHash('sha256').update(await readFile(scores)).digest('hex'), weight: 1 })
  })

  it('trains without a teacher and saves nothing when asked not to', async () => {
    const run = await runStudent({ data, modelsDir: join(dir, 'none'), student: { dim: 8, window: 5 }, losses: { task: { weight: 1 } }, epochs: 1, seed: 3, save: false, log: () => {} })
    assert.deepEqual([run.version, run.dir, run.teacherLabel, run.overlap], [null, null, null, undefined])
    assert.ok(run.test.ndcg > 0)
  })

  it('hands the gate the validation NDCG@10 its loop measured, which is the saved student\'s own on those cases', async () => {
    // a sample of the validation users, as a large run evaluates, and epochs enough for the best one to be restored
    const { data: sampled } = withEvaluationSample(data, 60, 5)
    let seen: { measured?: number, now: number } | undefined
    const run = await runStudent({
      data: sampled,
      modelsDir: dir,
      student: { dim: 8, window: 5 },
      losses: { task: { weight: 1 } },
      epochs: 4,
      seed: 5,
      save: true,
      log: () => {},
      progress: false,
      gate: async (student, measured) => {
        seen = { measured: measured.validNdcg, now: evaluate(student, sampled.split.valid, { k: 10 }).ndcg }
        return {}
      }
    })
    assert.ok(seen?.measured !== undefined)
    assert.equal(seen.measured, seen.now)
    assert.equal(seen.measured, run.report.bestMetric)
    const saved = await loadStudent(dir, run.version!)
    assert.equal(saved.manifest.metrics.validUsers, 60)
    assert.equal(saved.manifest.metrics.validUsersOf, data.split.valid.length)
    assert.equal(saved.manifest.metrics.testUsers, 60)
    saved.model.dispose()
  })
})
