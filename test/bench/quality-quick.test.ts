import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { main } from '../../bench/quality.js'
import { loadData } from '../../src/distill/training/training-data.js'
import { selectBackend } from '../../src/tf/backend.js'
import { writeCycleWalks } from '../helpers/cycle-walks.js'

describe('npm run bench:quality -- --quick when the ensemble drops the attention teacher', () => {
  let root: string
  let data: string
  before(async () => {
    await selectBackend()
    root = await mkdtemp(join(tmpdir(), 'distillrec-bench-quality-'))
    data = await writeCycleWalks(join(root, 'cycle.pairs'))
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('measures every core row to its table, the ensemble\'s student without the hint loss, and says so', async () => {
    const out = join(root, 'results')
    const printed: string[] = []
    const logged: string[] = []
    const tensors = tf.memory().numTensors
    // one teacher epoch: the Markov chain predicts every step of a cycle walk, the teacher does not
    const run = await main(['--quick', '--data', data, '--format', 'pairs', '--students', 'core', '--tuned', 'none', '--teacher-epochs', '1',
      '--teacher-threads', '1', '--requests', '5', '--out', out], (l) => printed.push(l), (l) => logged.push(l))
    assert.ok(run !== null)
    assert.equal(tf.memory().numTensors, tensors)
    assert.ok(logged.some((l) => /ensemble teacher \(markov-chain \(1\.00\)\) fitted/.test(l)), logged.join('\n'))
    const table = printed.join('\n')
    assert.match(table, /\| student \+ kd \+ ranking \+ hint, ensemble teacher +\| +0\.\d{4} \|/)
    assert.doesNotMatch(table, /failed/)
    assert.match(table, /student \+ kd \+ ranking \+ hint, ensemble teacher: the hint loss is dropped for this run: the ensemble fitted on validation gives the teacher weight 0/)
    assert.deepEqual(await readdir(out), [run.file.slice(out.length + 1)])
    const results = JSON.parse(await readFile(run.file, 'utf8'))
    assert.equal(results.complete, true)
    assert.deepEqual(results.rows.map((r: { model: string }) => r.model), ['popularity', 'markov-chain', 'item-knn', 'teacher', 'mixed teacher (teacher + item-knn)',
      'ensemble teacher', 'student, no distillation', 'student + kd + ranking + hint, mixed teacher', 'student + kd + ranking + hint, ensemble teacher'])
    assert.match(results.rows.at(-1).note, /^the hint loss is dropped for this run/)
    assert.equal(run.rows.failed, 0)
  })

  it('refuses a teacher, default or tuned, that it could not train, before any epoch', async () => {
    const out = join(root, 'refused')
    const quick = ['--quick', '--data', data, '--format', 'pairs', '--out', out]
    await assert.rejects(main([...quick, '--tuned', 'none', '--teacher-dropout', '1'], () => {}, () => {}),
      { code: 'DISTILL_OPTIONS_INVALID', message: /the teacher's dropout must be at least 0 and below 1, got 1/ })
    // tuned settings edited by hand: heads that do not divide the width
    const models = join(root, 'models')
    const { fingerprint } = await loadData(data, 'pairs', 42)
    await mkdir(join(models, 'tuned'), { recursive: true })
    const settings = { dim: 10, blocks: 1, heads: 3, dropout: 0.2, maxLen: 20, learningRate: 0.001, negatives: 0 }
    await writeFile(join(models, 'tuned', `${fingerprint}.json`), JSON.stringify({
      datasetFingerprint: fingerprint, created: '', budgetSeconds: 1, teacher: { settings, validNdcg: 0 }, student: { settings: { dim: 8, window: 5, learningRate: 0.01, kdWeight: 1, temperature: 1 }, validNdcg: 0 }
    }))
    const logged: string[] = []
    await assert.rejects(main([...quick, '--tuned', models], () => {}, (l) => logged.push(l)),
      { code: 'DISTILL_OPTIONS_INVALID', message: /^the teacher's dim 10 is not divisible by its 3 heads$/ })
    assert.ok(!logged.some((l) => /teacher:|epoch/.test(l)), logged.join('\n'))
    assert.deepEqual(await readdir(out), [], 'no results file: nothing was measured')
  })
})
