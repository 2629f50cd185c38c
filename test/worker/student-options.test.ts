import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { POSITION_WEIGHTINGS } from '../../src/distill/training/position-weights.js'
import { loadData } from '../../src/distill/training/training-data.js'
import { saveModel } from '../../src/models/artifact/model-io.js'
import { listVersions } from '../../src/models/artifact/index.js'
import { Teacher } from '../../src/models/teacher.js'
import { RunOptionsSchema } from '../../src/stores/job.js'
import { redistill, type RedistillInput } from '../../src/worker/redistill-run.js'
import { writeCycleWalks } from '../helpers/cycle-walks.js'
import { auth, buildHarness, finished, startWorker, submit, until } from './harness.js'

describe('a re-distillation run\'s student options', () => {
  it('runs kd + ranking + hint to a verdict, dropping the hint loss with one line saying why', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'distillrec-worker-ensemble-'))
    t.after(async () => await rm(dir, { recursive: true, force: true }))
    const data = await writeCycleWalks(join(dir, 'cycle.pairs'))
    // an untrained teacher on the data's catalogue: the Markov chain predicts every step, the teacher none
    const loaded = await loadData(data, 'pairs', 42)
    const teacher = new Teacher({ numItems: loaded.dataset.items.size, dim: 8, blocks: 1, heads: 1, ffnDim: 8, maxLen: 10, seed: 1 })
    await saveModel(join(dir, 'models'), teacher, { itemIds: loaded.dataset.items.ids(), datasetFingerprint: loaded.fingerprint })
    teacher.dispose()
    const h = await buildHarness(t, { DATA_PATH: data, DATA_FORMAT: 'pairs' }, dir)
    const id = await submit(h, { teacher: 'reuse', ensemble: true, losses: ['task', 'kd', 'ranking', 'hint'], epochs: 1 })
    const lines: string[] = []
    await startWorker(h, async (input, hooks, signal) => await redistill(input, { ...hooks, log: (line) => { lines.push(line); hooks.log(line) }, signal }))
    const run = await finished(h, id, 60_000)
    assert.ok(run.state === 'activated' || run.state === 'rejected', `${run.state}: ${run.reason ?? ''}`)
    assert.equal(run.teacherVersion, 1)
    assert.ok(lines.some((l) => /^ensemble fitted on \d+ validation users in [\d.]+s: teacher v1 0\.000/.test(l)), lines.join('\n'))
    assert.deepEqual(lines.filter((l) => /hint loss/.test(l)), [
      'the hint loss is dropped for this run: the ensemble fitted on validation gives teacher v1 weight 0, so there are no teacher item embeddings to project onto'
    ])
  })

  it('take the request\'s position weighting into the kd and ranking losses (uniform by default)', async (t) => {
    // the job schema spells the weightings out (stores sit below distill); they are the trainer's
    assert.deepEqual(RunOptionsSchema.properties.kdWeighting.anyOf.map((s: { const: string }) => s.const), [...POSITION_WEIGHTINGS])
    const dir = await mkdtemp(join(tmpdir(), 'distillrec-worker-weighting-'))
    t.after(async () => await rm(dir, { recursive: true, force: true }))
    const data = await writeCycleWalks(join(dir, 'cycle.pairs'))
    const h = await buildHarness(t, { DATA_PATH: data, DATA_FORMAT: 'pairs' }, dir)
    const inputs: RedistillInput[] = []
    await startWorker(h, async (input) => { inputs.push(input); throw new Error('inputs only') })
    for (const payload of [{ losses: ['task', 'kd', 'ranking'], kdWeighting: 'target' }, { losses: ['task', 'kd', 'ranking'] }]) {
      // the failed run's lock is released just after its job is written
      let id = ''
      await until('the run is accepted', async () => {
        const res = await h.app.inject({ method: 'POST', url: '/admin/redistill', headers: auth, payload })
        if (res.statusCode === 409) return false
        assert.equal(res.statusCode, 202, res.body)
        id = res.json<{ jobId: string }>().jobId
        return true
      })
      assert.equal((await finished(h, id)).state, 'failed')
    }
    // the first is the start-up run (no student yet) with the default losses, task and kd
    assert.deepEqual(inputs.map(({ losses }) => [losses.kd?.weighting, losses.ranking?.weighting]), [['uniform', undefined], ['target', 'target'], ['uniform', 'uniform']])
  })

  it('are refused before a teacher trains for them, and the run fails with the reason', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'distillrec-worker-checks-'))
    t.after(async () => await rm(dir, { recursive: true, force: true }))
    // 8 items: fewer than the ranking loss's top 10
    const data = await writeCycleWalks(join(dir, 'small.pairs'), { users: 60, items: 8, length: 6 })
    const h = await buildHarness(t, { DATA_PATH: data, DATA_FORMAT: 'pairs' }, dir)
    const id = await submit(h, { teacher: 'retrain', losses: ['task', 'ranking'], epochs: 1 })
    await startWorker(h)
    const run = await finished(h, id)
    assert.equal(run.state, 'failed')
    assert.match(run.reason ?? '', /^ranking k 10 exceeds the data's 8 items$/)
    assert.deepEqual(run.history, [], 'no teacher epoch ran')
    assert.deepEqual(listVersions(join(dir, 'models'), 'teacher'), [])
  })
})
