import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { selectBackend } from '../../src/tf/backend.js'
import { Teacher } from '../../src/models/teacher.js'
import { Student } from '../../src/models/student.js'
import { computeTeacherTargets } from '../../src/distill/targets/teacher-targets.js'
import { distillStudent } from '../../src/distill/student/distill-student.js'
import type { DistillLosses } from '../../src/distill/student/distill-losses.js'
import { trainingPositions } from '../../src/distill/training/training-positions.js'
import { trainTeacher } from '../../src/distill/teacher/train-teacher.js'
import { evaluate } from '../../src/distill/evaluation/evaluate.js'
import { buildDataset } from '../../src/data/build-dataset.js'
import { generateSynthetic } from '../../src/data/synthetic.js'
import { leaveOneOut } from '../../src/data/split.js'

describe('distillation end to end', () => {
  before(async () => { await selectBackend() })

  it('gives a small student a better test NDCG@10 than the same student trained on the task loss alone', () => {
    const dataset = buildDataset(generateSynthetic({ users: 200, items: 60, meanLength: 20, seed: 5 }))
    const { train, test } = leaveOneOut(dataset)
    const numItems = dataset.items.size
    const teacher = new Teacher({ numItems, dim: 32, blocks: 1, heads: 1, ffnDim: 32, maxLen: 30 })
    trainTeacher(teacher, train, { epochs: 10, batchSize: 32, learningRate: 3e-3, seed: 1, loss: { kind: 'full' }, progress: false })
    const targets = computeTeacherTargets(teacher, train, trainingPositions(train), { topN: 20 })
    const studentNdcg = (losses: DistillLosses): number => {
      const student = new Student({ numItems, dim: 4, window: 10 })
      distillStudent(student, train, {
        epochs: 3, batchSize: 128, learningRate: 1e-2, seed: 1, progress: false, losses, targets, positions: targets.positions
      })
      const ndcg = evaluate(student, test).ndcg
      student.dispose()
      return ndcg
    }
    const teacherNdcg = evaluate(teacher, test).ndcg
    const alone = studentNdcg({ task: { weight: 1 } })
    // a 4-wide student over 60 items: soft targets against its full softmax (T=2) are what help here
    const distilled = studentNdcg({ task: { weight: 1 }, kd: { weight: 1, temperature: 2, normalise: 'full' } })
    teacher.dispose()
    assert.ok(teacherNdcg > alone, `teacher ${teacherNdcg} vs student alone ${alone}`)
    assert.ok(distilled > alone * 1.05, `distilled ${distilled} vs alone ${alone}`)
  })
})
