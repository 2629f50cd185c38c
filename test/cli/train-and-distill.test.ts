import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { main as distill } from '../../src/cli/distill.js'
import { main as trainTeacher } from '../../src/cli/train-teacher.js'
import { main as evaluateCli } from '../../src/cli/eval.js'
import { loadData } from '../../src/distill/training/training-data.js'
import { fileSystemHandler } from '../../src/models/layers-fs-handler.js'
import { generateSynthetic } from '../../src/data/synthetic.js'
import { loadStudent, loadTeacher } from '../../src/models/artifact/model-io.js'
import { selectBackend } from '../../src/tf/backend.js'

const TINY_TEACHER = ['--epochs', '1', '--dim', '8', '--blocks', '1', '--heads', '1', '--ffn-dim', '8', '--max-len', '10']
// one run with the teacher (no choice of its weight on validation), so the teacher's traces are checked
const TINY_STUDENT = ['--epochs', '1', '--dim', '4', '--window', '5', '--top-n', '8', '--ranking-k', '4', '--teacher-weights', '1']

describe('npm run train:teacher and npm run distill', () => {
  let root: string
  let data: string
  let modelsDir: string
  const out: string[] = []
  const print = (line: string): void => { out.push(line) }

  before(async () => {
    await selectBackend()
    root = await mkdtemp(join(tmpdir(), 'distillrec-cli-train-'))
    data = join(root, 'events.jsonl')
    modelsDir = join(root, 'models')
    const events = generateSynthetic({ users: 40, items: 30, meanLength: 8, seed: 3 })
    await writeFile(data, events.map((e) => JSON.stringify(e)).join('\n') + '\n')
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('trains a teacher and saves it as version 1 with its test metrics', async () => {
    const tensors = tf.memory().numTensors
    const result = await trainTeacher(['--data', data, '--models-dir', modelsDir, ...TINY_TEACHER], print)
    assert.equal(result?.version, 1)
    assert.equal(tf.memory().numTensors, tensors)
    const loaded = await loadTeacher(modelsDir)
    assert.equal(loaded.manifest.metrics.ndcg10, result?.ndcg)
    assert.equal(loaded.model.config.dim, 8)
    loaded.model.dispose()
    assert.match(out.join('\n'), /saved teacher v1/)
    const [, results] = /results: (\S+)/.exec(out.join('\n')) ?? []
    assert.ok(results?.startsWith(join(modelsDir, 'results', 'train-teacher-')), results)
    const figures = JSON.parse(await readFile(results, 'utf8'))
    assert.equal(figures.version, 1)
    assert.equal(figures.test.ndcg, result?.ndcg)
    assert.ok(figures.training.epochs.length >= 1 && figures.training.seconds > 0)
  })

  it('trains a teacher with gBCE, recording the loss and its calibration, and refuses a bad --loss or --gbce-t', async () => {
    const lines: string[] = []
    const results = join(root, 'gbce.json')
    const result = await trainTeacher(['--data', data, '--no-save', '--results', results, '--loss', 'gbce', '--negatives', '8', '--gbce-t', '0.5', ...TINY_TEACHER], (l) => lines.push(l))
    assert.ok(result !== null && Number.isFinite(result.ndcg))
    assert.deepEqual(JSON.parse(await readFile(results, 'utf8')).loss, { kind: 'gbce', negatives: 8, calibration: 0.5 })
    const run = async (...extra: string[]): Promise<unknown> => await trainTeacher(['--data', data, '--no-save', '--results', 'none', ...TINY_TEACHER, ...extra], print)
    await assert.rejects(run('--loss', 'bce'), { code: 'CLI_USAGE', message: /--loss must be full, sampled or gbce/ })
    await assert.rejects(run('--loss', 'gbce', '--gbce-t', '1.5'), { code: 'CLI_USAGE', message: /--gbce-t must be between 0 and 1/ })
    await assert.rejects(run('--loss', 'gbce', '--negatives', '0'), { code: 'CLI_USAGE', message: /--negatives must be a positive integer/ })
  })

  it('distils a student from the latest teacher with every loss, recording the teacher version', async () => {
    const log = join(root, 'distill.log')
    const result = await distill(['--data', data, '--models-dir', modelsDir, '--losses', 'task,kd,ranking,hint', '--log', log, ...TINY_STUDENT], print)
    assert.equal(result?.version, 1)
    assert.ok(result?.overlap !== undefined && result.overlap >= 0 && result.overlap <= 1)
    const loaded = await loadStudent(modelsDir)
    assert.equal(loaded.manifest.teacherVersion, 1)
    assert.equal(loaded.manifest.metrics.teacherOverlap10, result.overlap)
    loaded.model.dispose()
    const logged = await readFile(log, 'utf8')
    assert.match(logged, /teacher v1: top-8 targets at \d+ positions computed/)
    assert.match(logged, /student epoch 1\/1 loss [\d.]+ valid ndcg@10/, 'epoch progress reaches the log file')
    assert.match(logged, /saved student v1/)
  })

  it('reads the teacher targets of the previous run back instead of running the teacher again', async () => {
    const start = out.length
    const result = await distill(['--data', data, '--models-dir', modelsDir, '--losses', 'task,kd,ranking,hint', ...TINY_STUDENT], print)
    assert.equal(result?.version, 2)
    assert.match(out.slice(start).join('\n'), /teacher v1: top-8 targets at \d+ positions read back/)
  })

  it('mixes item-KNN\'s soft targets into the teacher\'s when asked (mixed distillation)', async () => {
    const start = out.length
    const result = await distill(['--data', data, '--models-dir', modelsDir, '--losses', 'task,kd,ranking', '--mix-item-knn', '0.4', '--no-save', ...TINY_STUDENT], print)
    assert.equal(result?.version, null)
    const log = out.slice(start).join('\n')
    assert.match(log, /mixed with item-KNN \(weight 0\.4, sharpness 5\): computed/)
    assert.match(log, /top-10 overlap with teacher v1: /)
    const again = out.length
    const second = await distill(['--data', data, '--models-dir', modelsDir, '--losses', 'task,kd,ranking', '--mix-item-knn', '0.4', '--no-save', ...TINY_STUDENT], print)
    const againLog = out.slice(again).join('\n')
    assert.match(againLog, /mixed with item-KNN \(weight 0\.4, sharpness 5\): read back/)
    assert.doesNotMatch(againLog, /top-8 targets/, 'a mix read back does not read the teacher\'s own targets too')
    assert.equal(second?.ndcg, result?.ndcg, 'the mix read back is the mix computed')
    await assert.rejects(distill(['--data', data, '--models-dir', modelsDir, '--mix-item-knn', '1', ...TINY_STUDENT], print), { code: 'CLI_USAGE' })
    await assert.rejects(distill(['--data', data, '--models-dir', modelsDir, '--lr-decay', 'cosine', ...TINY_STUDENT], print), { code: 'CLI_USAGE' })
  })

  it('distils from, and evaluates, an ensemble of the teacher and the baselines weighted on validation', async () => {
    out.length = 0
    const result = await distill(['--data', data, '--models-dir', modelsDir, '--ensemble', '--no-save', ...TINY_STUDENT], print)
    assert.ok(result !== null)
    const log = out.join('\n')
    const fitted = /ensemble fitted on \d+ validation users in [\d.]+s: teacher v1 ([\d.]+) \(alone [\d.]+\), markov-chain ([\d.]+) \(alone [\d.]+\), item-knn ([\d.]+) \(alone [\d.]+\), popularity ([\d.]+) \(alone [\d.]+\); mixture valid NDCG@10 ([\d.]+)/.exec(log)
    assert.ok(fitted !== null, log)
    const weights = fitted.slice(1, 5).map(Number)
    assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) < 0.01, `weights ${weights.join(', ')}`)
    assert.match(log, /ensemble of [^:]+: teacher targets at (\d+) of \1 training positions/)
    await assert.rejects(distill(['--data', data, '--models-dir', modelsDir, '--ensemble', '--mix-item-knn', '0.5', ...TINY_STUDENT], print), { code: 'CLI_USAGE' })

    out.length = 0
    const rows = await evaluateCli(['--data', data, '--models-dir', modelsDir, '--models', 'ensemble,teacher'], print)
    assert.deepEqual(rows?.map((r) => [r.model, r.version]), [['ensemble', 1], ['teacher', 1]])
    assert.match(out.join('\n'), /ensemble fitted on \d+ validation users: teacher v1 [\d.]+ \(alone [\d.]+\), markov-chain/)
  })

  it('trains the same student on the task loss alone without any teacher', async () => {
    const empty = join(root, 'no-teacher')
    const result = await distill(['--data', data, '--models-dir', empty, '--losses', 'task', ...TINY_STUDENT], print)
    assert.equal(result?.version, 1)
    assert.equal(result?.overlap, undefined)
    const loaded = await loadStudent(empty)
    assert.equal(loaded.manifest.teacherVersion, null)
    loaded.model.dispose()
  })

  it('distils from a teacher-scores file instead of a saved teacher, every position training on the task loss', async () => {
    const scores = join(root, 'scores.jsonl')
    const lines = ['u0', 'u1', 'u2'].map((userId) => JSON.stringify({ userId, items: [{ itemId: 'i1', score: 3 }, { itemId: 'i2', score: 1 }, { itemId: 'nope', score: 0 }] }))
    await writeFile(scores, lines.join('\n') + '\n')
    out.length = 0
    const result = await distill(['--data', data, '--models-dir', join(root, 'byo'), '--teacher-scores', scores, '--no-save', ...TINY_STUDENT, '--top-n', '2', '--ranking-k', '2'], print)
    assert.equal(result?.version, null)
    const log = out.join('\n')
    assert.match(log, /3 user lists \(3 of the data's 40 users\); skipped 0 unknown users and 3 of 9 item entries not in the catalogue/)
    const [, covered, total] = /teacher targets at (\d+) of (\d+) training positions \(the others train on the task loss alone\)/.exec(log) ?? []
    assert.equal(Number(covered), 3, 'one position per listed user')
    assert.ok(Number(total) > 100, `every training position trains (${total})`)
  })

  it('evaluates a teacher-scores file like any model', async () => {
    // an oracle: each user's list holds their test item first
    const loaded = await loadData(data, 'auto', 42)
    const userIds = loaded.dataset.users.ids()
    const itemIds = loaded.dataset.items.ids()
    const oracle = join(root, 'oracle.jsonl')
    await writeFile(oracle, loaded.split.test.map((c) => JSON.stringify({
      userId: userIds[c.user],
      items: [{ itemId: itemIds[c.target], score: 5 }, { itemId: itemIds[(c.target + 1) % itemIds.length], score: 1 }]
    })).join('\n') + '\n')
    const rows = await evaluateCli(['--results', 'none', '--data', data, '--models', 'scores,popularity', '--teacher-scores', oracle], print)
    assert.deepEqual(rows?.map((r) => r.model), ['scores', 'popularity'])
    const [scores, popularity] = rows!
    assert.ok(scores.ndcg > 0.9 && scores.ndcg > popularity.ndcg, `oracle NDCG@10 ${scores.ndcg}, popularity ${popularity.ndcg}`)
    await assert.rejects(evaluateCli(['--results', 'none', '--data', data, '--models', 'scores'], print), { code: 'CLI_USAGE' })
  })

  it('refuses a scores file that is empty, or whose users or items are mostly unknown, with the counts', async () => {
    const file = join(root, 'bad-scores.jsonl')
    const row = (userId: string, itemIds: string[]): string => JSON.stringify({ userId, items: itemIds.map((itemId, i) => ({ itemId, score: 3 - i })) })
    const run = async (lines: string[]): Promise<unknown> => {
      await writeFile(file, lines.join('\n') + '\n')
      return await distill(['--results', 'none', '--data', data, '--teacher-scores', file, '--no-save', ...TINY_STUDENT, '--top-n', '2', '--ranking-k', '2'], print)
    }
    await assert.rejects(run(['']), { code: 'TEACHER_TARGETS_EMPTY', message: /holds no user lists/ })
    await assert.rejects(run([row('u0', ['i1']), row('x1', ['i1']), row('x2', ['i2'])]), { code: 'TEACHER_TARGETS_INVALID', message: /2 of its 3 users are not in the data \(e\.g\. "x1", "x2"\)/ })
    await assert.rejects(run([row('u0', ['i1', 'z1', 'z2']), row('u1', ['z3'])]), { code: 'TEACHER_TARGETS_INVALID', message: /3 of its 4 item entries are not in the data's catalogue/ })
  })

  it('distils from, and evaluates, a bring-your-own TF.js Layers teacher at every training position', async () => {
    const numItems = (await loadData(data, 'auto', 1)).dataset.items.size
    const layersDir = join(root, 'layers')
    const model = tf.sequential()
    model.add(tf.layers.embedding({ inputDim: numItems + 1, outputDim: 4, inputLength: 6 }))
    model.add(tf.layers.globalAveragePooling1d())
    model.add(tf.layers.dense({ units: numItems }))
    await model.save(fileSystemHandler(layersDir))
    // the same teacher with a NaN in its output layer
    const [kernel, bias] = model.layers[2].getWeights()
    const nan = tf.fill(bias.shape, Number.NaN)
    model.layers[2].setWeights([kernel, nan])
    nan.dispose()
    await model.save(fileSystemHandler(join(root, 'layers-nan')))
    model.dispose()
    out.length = 0
    const result = await distill(['--results', 'none', '--data', data, '--layers-dir', layersDir, '--max-len', '6', '--losses', 'task,kd', '--no-save', ...TINY_STUDENT], print)
    assert.ok(result?.overlap !== undefined)
    const [, covered, total] = /teacher targets at (\d+) of (\d+) training positions/.exec(out.join('\n')) ?? []
    assert.ok(Number(covered) > 100 && covered === total, `${covered} of ${total} positions`)
    const rows = await evaluateCli(['--results', 'none', '--data', data, '--models', 'layers,popularity', '--layers-dir', layersDir, '--max-len', '6'], print)
    assert.deepEqual(rows?.map((r) => r.model), ['layers', 'popularity'])
    await assert.rejects(distill(['--results', 'none', '--data', data, '--layers-dir', join(root, 'layers-nan'), '--max-len', '6', '--losses', 'task,kd', '--no-save', ...TINY_STUDENT], print),
      { code: 'TEACHER_OUTPUT_INVALID', message: /non-finite score/ })
  })

  it('refuses unknown losses and a hint loss without a saved teacher', async () => {
    await assert.rejects(distill(['--results', 'none', '--data', data, '--losses', 'task,magic'], print), { code: 'CLI_USAGE' })
    await assert.rejects(distill(['--data', data, '--models-dir', join(root, 'none'), '--losses', 'kd', ...TINY_STUDENT], print), { code: 'ARTIFACT_NOT_FOUND' })
  })
})
