import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { versionDir } from '../../src/models/artifact/index.js'
import { redistill } from '../../src/worker/redistill-run.js'
import { auth, buildHarness, finished, startWorker, submit } from './harness.js'

describe('a re-distillation run with EVAL_MAX_USERS below its users', () => {
  it('evaluates a seeded sample, judges the active student on the same users, reuses the loop\'s figure and records the sample', async (t) => {
    const h = await buildHarness(t, { EVAL_MAX_USERS: '40' })
    const lines: string[] = []
    await startWorker(h, async (input, hooks, signal) => await redistill(input, { ...hooks, log: (line) => { lines.push(line); hooks.log(line) }, signal }))
    // no student yet: the worker schedules the first run by itself
    const { jobs } = (await h.app.inject({ url: '/admin/jobs', headers: auth })).json<{ jobs: Array<{ id: string }> }>()
    const first = await finished(h, jobs[0].id)
    assert.equal(first.state, 'activated', first.reason)
    const sampled = lines.filter((l) => l.startsWith('evaluation sampled'))
    assert.equal(sampled.length, 1, lines.join('\n'))
    assert.match(sampled[0], /^evaluation sampled \(EVAL_MAX_USERS=40, seed 7\): validation 40 of \d+ users, test 40 of \d+$/)
    const manifest = JSON.parse(await readFile(join(versionDir(h.config.modelsDir, 'student', first.version!), 'manifest.json'), 'utf8'))
    assert.equal(manifest.metrics.validUsers, 40)
    assert.equal(manifest.metrics.testUsers, 40)

    lines.length = 0
    const second = await finished(h, await submit(h, { epochs: 1, force: true }))
    assert.equal(second.state, 'activated', second.reason)
    const gate = lines.filter((l) => l.startsWith('gate:'))
    assert.equal(gate.length, 1, lines.join('\n'))
    assert.match(gate[0], /^gate: candidate validation NDCG@10 [\d.]+ \(as the training loop measured it\), active [\d.]+ on 40 validation users$/)
    // the job's figure is the loop's best epoch, the one its curve shows
    assert.equal(second.candidateNdcg, second.history.at(-1)!.validNdcg)
  })
})
