import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { main } from '../../src/cli/eval.js'
import { loadData } from '../../src/distill/training/training-data.js'
import { evaluate } from '../../src/distill/evaluation/evaluate.js'
import { saveModel } from '../../src/models/artifact/model-io.js'
import { Student } from '../../src/models/student.js'
import { selectBackend } from '../../src/tf/backend.js'
import { foldValidation } from '../../src/distill/training/fold-validation.js'
import { MarkovChainScorer } from '../../src/models/markov-chain.js'

describe('npm run eval', () => {
  let root: string
  let dataFile: string
  let modelsDir: string
  const lines: string[] = []

  before(async () => {
    await selectBackend()
    root = await mkdtemp(join(tmpdir(), 'distillrec-eval-'))
    dataFile = join(root, 'events.jsonl')
    modelsDir = join(root, 'models')
    const rows: string[] = []
    for (let u = 0; u < 12; u++) {
      for (let t = 0; t < 6; t++) rows.push(JSON.stringify({ userId: `u${u}`, itemId: `i${(u + t * 3) % 10}`, ts: t }))
    }
    await writeFile(dataFile, rows.join('\n') + '\n')
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('scores the latest saved student exactly as evaluate() does, next to a baseline', async () => {
    const data = await loadData(dataFile, 'auto', 1)
    const student = new Student({ numItems: data.dataset.items.size, dim: 4, window: 3, seed: 5 })
    await saveModel(modelsDir, student, { itemIds: data.dataset.items.ids(), datasetFingerprint: data.fingerprint })
    const expected = evaluate(student, data.split.test, { k: 5, tailItems: data.tailItems })
    student.dispose()

    const rows = await main(['--data', dataFile, '--models-dir', modelsDir, '--models', 'student,popularity', '--k', '5', '--results', 'none'], (l) => lines.push(l))
    assert.ok(rows !== null)
    assert.deepEqual(rows.map((r) => [r.model, r.version]), [['student', 1], ['popularity', null]])
    assert.equal(rows[0].ndcg, expected.ndcg)
    assert.equal(rows[0].hr, expected.hr)
    assert.match(lines.join('\n'), /\| student +\| +1 \| +\d\.\d{4} \|/)
  })

  it('scores several versions at several cut-offs in one run, one table per cut-off, and keeps the figures in a results file', async () => {
    const data = await loadData(dataFile, 'auto', 1)
    const second = new Student({ numItems: data.dataset.items.size, dim: 4, window: 3, seed: 6 })
    await saveModel(modelsDir, second, { itemIds: data.dataset.items.ids(), datasetFingerprint: data.fingerprint })
    const expected = [3, 5].map((k) => evaluate(second, data.split.test, { k, tailItems: data.tailItems }))
    second.dispose()
    const results = join(root, 'eval.json')
    const printed: string[] = []
    const rows = await main(['--data', dataFile, '--models-dir', modelsDir, '--models', 'student,popularity', '--student-version', 'all', '--k', '3,5', '--results', results], (l) => printed.push(l))
    assert.ok(rows !== null)
    assert.deepEqual(rows.map((r) => [r.model, r.version, r.k]), [['student', 1, 3], ['student', 1, 5], ['student', 2, 3], ['student', 2, 5], ['popularity', null, 3], ['popularity', null, 5]])
    assert.deepEqual(rows.filter((r) => r.version === 2).map((r) => [r.ndcg, r.hr, r.coverage]), expected.map((e) => [e.ndcg, e.hr, e.coverage]))
    const text = printed.join('\n')
    assert.match(text, /NDCG@3[\s\S]*NDCG@5/)
    assert.match(text, new RegExp(`results: ${results}`))
    const json = JSON.parse(await readFile(results, 'utf8'))
    assert.deepEqual(json.cutoffs, [3, 5])
    assert.equal(json.rows.length, 6)
    assert.equal(json.fingerprint, data.fingerprint)
    await assert.rejects(main(['--data', dataFile, '--models-dir', modelsDir, '--k', '5,0'], () => {}), { code: 'CLI_USAGE', message: /--k must be a comma list of positive integers/ })
  })

  it('fits the baselines on train plus validation for the test ranking with --fit train+valid, and says so', async () => {
    const data = await loadData('synthetic', 'auto', 7)
    const printed: string[] = []
    const rows = await main(['--data', 'synthetic', '--seed', '7', '--models', 'markov-chain', '--fit', 'train+valid', '--results', 'none'], (l) => printed.push(l))
    const folded = evaluate(new MarkovChainScorer({ train: foldValidation(data).split.train, numItems: data.dataset.items.size }), data.split.test, { k: 10, tailItems: data.tailItems })
    const plain = evaluate(new MarkovChainScorer({ train: data.split.train, numItems: data.dataset.items.size }), data.split.test, { k: 10, tailItems: data.tailItems })
    assert.notEqual(folded.ndcg, plain.ndcg, 'the synthetic data tells the two fits apart')
    assert.equal(rows?.[0].ndcg, folded.ndcg)
    assert.match(printed.join('\n'), /baselines fitted on train\+valid/)
    await assert.rejects(main(['--data', dataFile, '--models', 'popularity', '--fit', 'train+valid', '--split', 'valid'], () => {}), { code: 'CLI_USAGE' })
    await assert.rejects(main(['--data', dataFile, '--models', 'popularity', '--fit', 'everything'], () => {}), { code: 'CLI_USAGE' })
  })

  it('refuses a model saved for another item catalogue', async () => {
    const other = join(root, 'other.jsonl')
    await writeFile(other, ['a', 'b', 'c', 'd'].map((item, ts) => JSON.stringify({ userId: 'u', itemId: item, ts })).join('\n'))
    await assert.rejects(main(['--data', other, '--models-dir', modelsDir, '--models', 'student'], () => {}), { code: 'CATALOGUE_MISMATCH' })
  })

  it('refuses unknown model names before reading any data', async () => {
    await assert.rejects(main(['--data', 'missing', '--models', 'student,gpt'], () => {}), { code: 'CLI_USAGE', message: /unknown model gpt/ })
  })
})
