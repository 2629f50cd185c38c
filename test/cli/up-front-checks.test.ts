import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { main as distill } from '../../src/cli/distill.js'
import { main as trainTeacher } from '../../src/cli/train-teacher.js'
import { main as tune } from '../../src/cli/tune.js'

/**
 * Every command below is given a data path that does not exist: a refusal with the option's
 * message, and not a missing file, shows the options were judged before the data was read.
 */
describe('options the commands refuse before they read the data or train', () => {
  let root: string
  let missing: string
  let aFile: string
  const lines: string[] = []
  const print = (line: string): void => { lines.push(line) }

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'distillrec-cli-checks-'))
    missing = join(root, 'no-such-data.pairs')
    aFile = join(root, 'a-file')
    await writeFile(aFile, 'not a directory\n')
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('distill: the hint loss from a teacher-scores file or a Layers model, which give no item embeddings', async () => {
    await assert.rejects(distill(['--data', missing, '--results', 'none', '--no-save', '--teacher-scores', join(root, 's.jsonl'), '--losses', 'task,kd,hint'], print),
      { code: 'DISTILL_OPTIONS_INVALID', message: /the hint loss needs the teacher's item embeddings, and a teacher-scores file holds none: drop hint from the losses/ })
    await assert.rejects(distill(['--data', missing, '--results', 'none', '--no-save', '--layers-dir', join(root, 'gru'), '--losses', 'task,hint'], print),
      { code: 'DISTILL_OPTIONS_INVALID', message: /a Layers teacher's are not read/ })
  })

  it('distill: a ranking cut-off past the teacher\'s top-N, and an ensemble of a scores file', async () => {
    await assert.rejects(distill(['--data', missing, '--results', 'none', '--no-save', '--losses', 'task,ranking', '--ranking-k', '40'], print),
      { code: 'DISTILL_OPTIONS_INVALID', message: /ranking k 40 exceeds the teacher's top-32/ })
    await assert.rejects(distill(['--data', missing, '--results', 'none', '--no-save', '--ensemble', '--teacher-scores', join(root, 's.jsonl')], print),
      { code: 'DISTILL_OPTIONS_INVALID', message: /cannot score validation users/ })
  })

  it('distill: a position weighting it does not know, a dropout of 1', async () => {
    await assert.rejects(distill(['--data', missing, '--results', 'none', '--no-save', '--kd-weighting', 'loud'], print),
      { code: 'CLI_USAGE', message: /--kd-weighting must be one of uniform, confidence, target, got "loud"/ })
    await assert.rejects(distill(['--data', missing, '--results', 'none', '--no-save', '--student', 'attention', '--dropout', '1'], print),
      { code: 'DISTILL_OPTIONS_INVALID', message: /the student's dropout must be at least 0 and below 1, got 1/ })
  })

  it('train:teacher: heads that do not divide the width, a dropout of 1', async () => {
    await assert.rejects(trainTeacher(['--data', missing, '--results', 'none', '--no-save', '--dim', '10', '--heads', '3', '--dropout', '1'], print),
      { code: 'DISTILL_OPTIONS_INVALID', message: /^2 problems with the teacher run: the teacher's dim 10 is not divisible by its 3 heads; the teacher's dropout must be at least 0 and below 1, got 1$/ })
  })

  it('train:teacher, distill and tune: a results file or models directory that cannot be written', async () => {
    const results = join(aFile, 'run.json')
    await assert.rejects(trainTeacher(['--data', missing, '--results', results, '--no-save'], print), { code: 'CLI_USAGE', message: /^--results: .*a-file cannot be written \(E[A-Z]+\)$/ })
    await assert.rejects(distill(['--data', missing, '--results', 'none', '--models-dir', aFile, '--losses', 'task'], print), { code: 'CLI_USAGE', message: /^--models-dir: .*a-file.student cannot be written/ })
    await assert.rejects(tune(['--data', missing, '--results', 'none', '--models-dir', aFile], print), { code: 'CLI_USAGE', message: /^--models-dir: .*a-file.tuned cannot be written/ })
  })

  it('printed nothing for any of them: no data line, no training', () => {
    assert.deepEqual(lines, [])
  })
})
