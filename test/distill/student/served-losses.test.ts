import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { servedLosses } from '../../../src/distill/student/served-losses.js'
import { runStudent } from '../../../src/distill/student/student-pipeline.js'
import { TeacherTargets } from '../../../src/distill/targets/teacher-targets.js'
import { loadData, type LoadedData } from '../../../src/distill/training/training-data.js'
import { trainingPositions } from '../../../src/distill/training/training-positions.js'
import { saveModel } from '../../../src/models/artifact/model-io.js'
import { Teacher } from '../../../src/models/teacher.js'
import { selectBackend } from '../../../src/tf/backend.js'
import { writeCycleWalks } from '../../helpers/cycle-walks.js'

const KD = { weight: 1, temperature: 1, normalise: 'support' as const }
const ALL = { task: { weight: 1 }, kd: KD, ranking: { weight: 1, k: 4 }, hint: { weight: 0.5 } }

/** Targets over two one-position users, with or without item embeddings. */
function targets (embeddings: boolean): TeacherTargets {
  const train = [Int32Array.of(0, 1), Int32Array.of(1, 2)]
  const positions = trainingPositions(train)
  const n = positions.users.length * 2
  return new TeacherTargets(positions, 2, new Int32Array(n), new Float32Array(n), embeddings ? new Float32Array(3 * 4) : undefined, embeddings ? 4 : 0)
}

describe('the losses a run\'s teacher targets can serve', () => {
  it('keeps every loss when the targets carry item embeddings', () => {
    assert.deepEqual(servedLosses(ALL, targets(true)), { losses: ALL })
  })

  it('drops the hint loss, and only it, from targets without item embeddings, saying why', () => {
    const { losses, note } = servedLosses(ALL, targets(false), 'the ensemble fitted on validation gives teacher v1 weight 0')
    assert.deepEqual(losses, { task: ALL.task, kd: ALL.kd, ranking: ALL.ranking })
    assert.equal(note, 'the hint loss is dropped for this run: the ensemble fitted on validation gives teacher v1 weight 0, so there are no teacher item embeddings to project onto')
  })

  it('trains on the task loss alone when the hint loss was the only one', () => {
    const { losses, note } = servedLosses({ hint: { weight: 1 } }, targets(false))
    assert.deepEqual(losses, { task: { weight: 1 } })
    assert.match(note ?? '', /the teacher targets carry no item embeddings, .*; the student trains on the task loss alone$/)
  })

  it('leaves runs without a hint loss alone', () => {
    const losses = { task: { weight: 1 }, kd: KD }
    assert.deepEqual(servedLosses(losses, targets(false)), { losses })
  })
})

describe('a student run whose teacher has no item embeddings', () => {
  let dir: string
  let data: LoadedData
  before(async () => {
    await selectBackend()
    dir = await mkdtemp(join(tmpdir(), 'distillrec-served-'))
    data = await loadData(await writeCycleWalks(join(dir, 'cycle.pairs')), 'pairs', 1)
  })
  after(async () => await rm(dir, { recursive: true, force: true }))

  const run = async (modelsDir: string, teacher: object, lines: string[]): ReturnType<typeof runStudent> => await runStudent({
    data,
    modelsDir,
    student: { dim: 4, window: 5 },
    losses: ALL,
    teacher: { topN: 8, maxLen: 10, ...teacher },
    teacherWeights: [1],
    epochs: 1,
    seed: 1,
    save: false,
    progress: false,
    log: (line) => lines.push(line)
  })

  it('distils an ensemble that gave the untrained attention teacher weight 0 without the hint loss, and leaks no tensor', async () => {
    const modelsDir = join(dir, 'untrained')
    const teacher = new Teacher({ numItems: data.dataset.items.size, dim: 8, blocks: 1, heads: 1, ffnDim: 8, maxLen: 10, seed: 1 })
    await saveModel(modelsDir, teacher, { itemIds: data.dataset.items.ids(), datasetFingerprint: data.fingerprint })
    teacher.dispose()
    const tensors = tf.memory().numTensors
    const lines: string[] = []
    const result = await run(modelsDir, { ensemble: { sharpness: 5 } }, lines)
    assert.deepEqual(lines.filter((l) => /hint loss/.test(l)), [
      'the hint loss is dropped for this run: the ensemble fitted on validation gives teacher v1 weight 0, so there are no teacher item embeddings to project onto'
    ])
    assert.deepEqual(Object.keys(result.losses), ['task', 'kd', 'ranking'])
    assert.deepEqual(Object.keys(result.report.epochs[0].terms ?? {}), ['task', 'kd', 'ranking'])
    assert.ok(Number.isFinite(result.test.ndcg))
    assert.equal(tf.memory().numTensors, tensors)
  })

  it('distils from a teacher that knows only the older items without the hint loss, naming the new ones', async () => {
    const modelsDir = join(dir, 'older')
    const known = data.dataset.items.ids().slice(0, -5)
    const teacher = new Teacher({ numItems: known.length, dim: 8, blocks: 1, heads: 1, ffnDim: 8, maxLen: 10, seed: 1 })
    await saveModel(modelsDir, teacher, { itemIds: known, datasetFingerprint: 'older' })
    teacher.dispose()
    const lines: string[] = []
    const result = await run(modelsDir, {}, lines)
    assert.ok(lines.includes('the hint loss is dropped for this run: teacher v1 has no embeddings of the data\'s 5 new items, so there are no teacher item embeddings to project onto'), lines.join('\n'))
    assert.deepEqual(Object.keys(result.losses), ['task', 'kd', 'ranking'])
  })
})
