import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Measured } from '../../bench/quality-measure.js'
import { QualityRows } from '../../bench/quality-rows.js'
import { DistillError } from '../../src/distill/distill-error.js'

function measured (model: string, ndcg: number): Measured {
  return { model, ndcg, hr: ndcg, mrr: ndcg, coverage: 1, tailRecall: NaN, tailCases: 0, users: 3, params: null, artifactKb: null, usPerRequest: 1, trainSeconds: 1, teacherOverlap: null }
}

describe('the rows of a quality run', () => {
  let dir: string
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'distillrec-quality-rows-')) })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  it('keeps a row that throws as failed with its reason, goes on, and rewrites the results file after every row', async () => {
    const file = join(dir, 'run.json')
    const logged: string[] = []
    const rows = new QualityRows({ file, header: { source: 'cycle' }, started: new Date(), log: (l) => logged.push(l) })
    const read = async (): Promise<{ complete: boolean, source: string, rows: Array<{ model: string, failed?: string }>, summary: Array<{ model: string, failed: string[] }> }> =>
      JSON.parse(await readFile(file, 'utf8'))

    await rows.record(42, 'teacher', async () => measured('teacher', 0.3))
    assert.deepEqual((await read()).rows.map((r) => r.model), ['teacher'], 'written after the first row')
    await rows.record(42, 'student + hint', async () => { throw new DistillError('DISTILL_OPTIONS_INVALID', 'the hint loss needs targets with item embeddings') })
    await rows.record(42, 'student', async () => ({ ...measured('student', 0.2), note: 'hint dropped' }))

    const partial = await read()
    assert.equal(partial.complete, false, 'a run that dies here leaves a file that says it is partial')
    assert.equal(partial.source, 'cycle')
    assert.deepEqual(partial.rows.map((r) => [r.model, r.failed]), [
      ['teacher', undefined], ['student + hint', '[DISTILL_OPTIONS_INVALID] the hint loss needs targets with item embeddings'], ['student', undefined]
    ])
    assert.deepEqual(partial.summary.map((s) => [s.model, s.failed.length]), [['teacher', 0], ['student + hint', 1], ['student', 0]])
    assert.equal(rows.failed, 1)
    assert.ok(logged.includes('seed 42: student + hint: failed: [DISTILL_OPTIONS_INVALID] the hint loss needs targets with item embeddings'), logged.join('\n'))
    await rows.finish()
    assert.equal((await read()).complete, true)
  })
})
