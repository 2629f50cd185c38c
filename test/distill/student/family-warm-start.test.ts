import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { runStudent } from '../../../src/distill/student/student-pipeline.js'
import { loadData, type LoadedData } from '../../../src/distill/training/training-data.js'
import { Student } from '../../../src/models/student.js'
import { selectBackend } from '../../../src/tf/backend.js'

describe('a student run warm-started from the active student (as the worker runs it)', () => {
  let data: LoadedData
  before(async () => {
    await selectBackend()
    data = await loadData('synthetic', 'auto', 3)
  })

  for (const [from, to] of [['pooling', 'pooling'], ['last-item', 'last-item'], ['attention', 'attention'], ['pooling', 'last-item'], ['last-item', 'pooling'], ['attention', 'pooling']] as const) {
    it(`${from === to ? 'copies the rows of' : 'trains from scratch, saying why, instead of warm-starting from'} a ${from} student when training a ${to} one`, async () => {
      const tensors = tf.memory().numTensors
      const previous = new Student({ family: from, numItems: data.dataset.items.size, dim: 8, window: 5, seed: 1 })
      const lines: string[] = []
      const run = await runStudent({
        data,
        modelsDir: 'unused',
        student: { family: to, dim: 8, window: 5 },
        losses: { task: { weight: 1 } },
        epochs: 1,
        seed: 3,
        save: false,
        log: (line) => lines.push(line),
        progress: false,
        warmFrom: { model: previous, itemIds: data.dataset.items.ids() }
      })
      previous.dispose()
      assert.equal(run.family, to)
      if (from === to) {
        assert.deepEqual(run.warm, { reused: data.dataset.items.size, added: 0 })
      } else {
        assert.equal(run.warm, null)
        assert.ok(lines.some((l) => l.includes(`the previous student is ${from}, this one ${to}`) && l.includes('training from scratch')), lines.join('\n'))
      }
      assert.equal(tf.memory().numTensors, tensors)
    })
  }
})
