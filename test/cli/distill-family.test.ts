import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { main as distill } from '../../src/cli/distill.js'
import { generateSynthetic } from '../../src/data/synthetic.js'
import { manifestFamily } from '../../src/models/artifact/manifest.js'
import { loadStudent } from '../../src/models/artifact/model-io.js'
import { STUDENT_FAMILIES } from '../../src/models/student.js'
import { selectBackend } from '../../src/tf/backend.js'

const TINY_STUDENT = ['--epochs', '1', '--dim', '4', '--window', '5', '--losses', 'task', '--results', 'none']

describe('npm run distill -- --student', () => {
  let root: string
  let data: string
  const out: string[] = []
  const print = (line: string): void => { out.push(line) }

  before(async () => {
    await selectBackend()
    root = await mkdtemp(join(tmpdir(), 'distillrec-cli-family-'))
    data = join(root, 'events.jsonl')
    const events = generateSynthetic({ users: 30, items: 20, meanLength: 6, seed: 4 })
    await writeFile(data, events.map((e) => JSON.stringify(e)).join('\n') + '\n')
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  for (const family of ['pooling', 'last-item', 'attention'] as const) {
    it(`trains and saves a ${family} student whose manifest records its family and shape`, async () => {
      const modelsDir = join(root, family)
      const result = await distill(['--data', data, '--models-dir', modelsDir, '--student', family, ...TINY_STUDENT], print)
      assert.equal(result?.version, 1)
      const { model, manifest } = await loadStudent(modelsDir)
      assert.equal(model.family, family)
      assert.equal(manifestFamily(manifest), family)
      assert.deepEqual([manifest.config.dim, manifest.config.window, manifest.config.dense], [4, 5, true])
      assert.equal(manifest.metrics.params, model.paramCount())
      // the block's shape rides in the config of the family that has one, defaults written out
      assert.deepEqual([manifest.config.heads, manifest.config.ffnDim], family === 'attention' ? [1, 4] : [undefined, undefined])
      model.dispose()
      assert.match(out.join('\n'), new RegExp(`^${family} student \\(task`, 'm'))
    })
  }

  it('--student auto trains every family, keeps one, and its manifest and the log say which won and why', async () => {
    const modelsDir = join(root, 'auto')
    const lines: string[] = []
    const result = await distill(['--data', data, '--models-dir', modelsDir, '--student', 'auto', ...TINY_STUDENT], (line) => lines.push(line), {})
    assert.equal(result?.version, 1)
    const { model, manifest } = await loadStudent(modelsDir)
    model.dispose()
    const selection = manifest.selection!
    assert.equal(selection.latencyBudgetMs, 50, 'GATE_LATENCY_BUDGET_MS\'s default')
    assert.deepEqual(selection.candidates.map((c) => c.family), [...STUDENT_FAMILIES])
    assert.equal(manifestFamily(manifest), selection.chosen)
    assert.equal(result?.family, selection.chosen)
    for (const family of STUDENT_FAMILIES) assert.ok(lines.some((l) => l.startsWith(`family ${family}: validation NDCG@10 `)), lines.join('\n'))
    assert.ok(lines.includes(`student family chosen: ${selection.reason}`), lines.join('\n'))
  })

  it('--student auto takes its latency budget from GATE_LATENCY_BUDGET_MS, and fails clearly when no family is within it', async () => {
    await assert.rejects(distill(['--data', data, '--student', 'auto', '--no-save', ...TINY_STUDENT], print, { GATE_LATENCY_BUDGET_MS: '0.001' }),
      { code: 'STUDENT_NONE_ELIGIBLE', message: /^no student family is within the 0\.001 ms serving budget: pooling [\d.]+ ms/ })
  })

  it('refuses the auto options without --student auto', async () => {
    await assert.rejects(distill(['--data', data, '--family-budget', '5', ...TINY_STUDENT], print), { code: 'CLI_USAGE', message: '--family-budget is read with --student auto only' })
    await assert.rejects(distill(['--data', data, '--student', 'auto', '--param-ratio', '2', ...TINY_STUDENT], print, {}), { code: 'DISTILL_OPTIONS_INVALID', message: /parameter ratio must be above 0 and at most 1, got 2/ })
  })

  it('refuses an unknown family, and a last-item student without its dense layer, before reading the data', async () => {
    const missing = join(root, 'no-such-data.jsonl')
    await assert.rejects(distill(['--data', missing, '--student', 'gru', ...TINY_STUDENT], print), { code: 'CLI_USAGE', message: /--student takes one of pooling, last-item(, [a-z-]+)* or auto, got "gru"/ })
    await assert.rejects(distill(['--data', missing, '--student', 'last-item', '--no-dense', ...TINY_STUDENT], print), { code: 'DISTILL_OPTIONS_INVALID', message: /last-item student needs the dense layer/ })
  })
})
