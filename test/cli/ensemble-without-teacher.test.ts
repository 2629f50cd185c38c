import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { main as distill } from '../../src/cli/distill.js'
import { main as trainTeacher } from '../../src/cli/train-teacher.js'
import { selectBackend } from '../../src/tf/backend.js'
import { UNTRAINED_TEACHER, writeCycleWalks } from '../helpers/cycle-walks.js'

const STUDENT = ['--epochs', '1', '--dim', '4', '--window', '5', '--teacher-weights', '1']

describe('npm run distill -- --ensemble when the ensemble drops the attention teacher', () => {
  let root: string
  let data: string
  let modelsDir: string

  before(async () => {
    await selectBackend()
    root = await mkdtemp(join(tmpdir(), 'distillrec-cli-ensemble-'))
    data = await writeCycleWalks(join(root, 'cycle.pairs'))
    modelsDir = join(root, 'models')
    await trainTeacher(['--data', data, '--format', 'pairs', '--models-dir', modelsDir, '--results', 'none', ...UNTRAINED_TEACHER], () => {})
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('runs kd + ranking + hint to its quality line and results file, dropping the hint loss with one line saying why', async () => {
    const lines: string[] = []
    const results = join(root, 'distill.json')
    const result = await distill(['--data', data, '--format', 'pairs', '--models-dir', modelsDir, '--ensemble', '--losses', 'task,kd,ranking,hint',
      '--no-save', '--results', results, ...STUDENT], (l) => lines.push(l))
    const log = lines.join('\n')
    assert.match(log, /ensemble fitted on \d+ validation users in [\d.]+s: teacher v1 0\.000/, log)
    const dropped = lines.filter((l) => /hint loss/.test(l))
    assert.equal(dropped.length, 1, log)
    assert.match(dropped[0], /the hint loss is dropped for this run: the ensemble fitted on validation gives teacher v1 weight 0/)
    assert.match(log, /student \(task,kd,ranking; hint dropped, fitted on train\): test NDCG@10 [\d.]+/)
    assert.ok(result !== null && Number.isFinite(result.ndcg))
    const figures = JSON.parse(await readFile(results, 'utf8'))
    assert.deepEqual(Object.keys(figures.training.epochs[0].terms), ['task', 'kd', 'ranking'], 'the run trained without the hint term')
    assert.deepEqual(Object.keys(figures.losses), ['task', 'kd', 'ranking', 'hint'])
    assert.deepEqual(Object.keys(figures.trainedLosses), ['task', 'kd', 'ranking'])
  })
})
