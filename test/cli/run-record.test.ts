import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runRecord } from '../../src/cli/run-record.js'

describe('run record (--results, --log)', () => {
  let root: string
  before(async () => { root = await mkdtemp(join(tmpdir(), 'distillrec-record-')) })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('writes the figures with the command, its arguments and times under <models-dir>/results by default', async () => {
    const printed: string[] = []
    const record = runRecord('eval', ['--data', 'x'], { 'models-dir': join(root, 'models') }, (l) => printed.push(l))
    record.print('a line')
    const path = await record.write({ rows: [{ ndcg: 0.5, tailRecall: NaN }] })
    assert.ok(path !== null)
    assert.deepEqual(await readdir(join(root, 'models', 'results')), [path.split('/').at(-1)])
    assert.match(path, /eval-\d{4}-\d\d-\d\dT[\d-]+Z\.json$/)
    const json = JSON.parse(await readFile(path, 'utf8'))
    assert.equal(json.command, 'eval')
    assert.deepEqual(json.argv, ['--data', 'x'])
    assert.ok(json.seconds >= 0 && Date.parse(json.finished) >= Date.parse(json.started))
    assert.deepEqual(json.rows, [{ ndcg: 0.5, tailRecall: null }])
    assert.deepEqual(printed, ['a line'])
  })

  it('writes to --results, or nowhere with "none"', async () => {
    const file = join(root, 'deep', 'figures.json')
    const record = runRecord('distill', [], { 'models-dir': root, results: file }, () => {})
    assert.equal(await record.write({ version: 3 }), file)
    assert.equal(JSON.parse(await readFile(file, 'utf8')).version, 3)
    const none = runRecord('distill', [], { 'models-dir': join(root, 'untouched'), results: 'none' }, () => {})
    assert.equal(await none.write({ version: 4 }), null)
    await assert.rejects(readdir(join(root, 'untouched')), { code: 'ENOENT' })
  })

  it('appends printed lines and epoch progress to --log, and still prints them', async () => {
    const log = join(root, 'run.log')
    const printed: string[] = []
    const record = runRecord('train-teacher', [], { 'models-dir': root, log }, (l) => printed.push(l))
    record.print('loaded data')
    const progress = record.progress('teacher')
    progress.epoch({ epoch: 0, epochs: 2, loss: 1.5, metric: 0.25, seconds: 3, etaSeconds: 3 })
    progress.done('best epoch 1')
    assert.deepEqual(printed, ['loaded data'])
    assert.equal(await readFile(log, 'utf8'), 'loaded data\nteacher epoch 1/2 loss 1.5000 valid ndcg@10 0.2500 3.0s eta 3s\nteacher best epoch 1\n')
  })
})
