import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { dataFormat } from '../../../src/cli/args.js'
import { loadData } from '../../../src/distill/training/training-data.js'

describe('loadData', () => {
  let root: string
  before(async () => { root = await mkdtemp(join(tmpdir(), 'distillrec-cli-data-')) })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('reads a log, splits it leave-one-out and fingerprints it', async () => {
    const path = join(root, 'events.jsonl')
    const lines = ['a', 'b', 'c', 'd'].map((item, ts) => JSON.stringify({ userId: 'u1', itemId: item, ts }))
    await writeFile(path, lines.join('\n') + '\n')
    const data = await loadData(path, 'auto', 1)
    assert.equal(data.format, 'jsonl')
    assert.equal(data.events, 4)
    assert.deepEqual(data.split.test, [{ user: 0, history: Int32Array.of(0, 1, 2), target: 3 }])
    assert.match(data.fingerprint, /^[0-9a-f]{16}$/)
    assert.equal((await loadData(path, 'jsonl', 2)).fingerprint, data.fingerprint)
  })

  it('generates the synthetic set from the seed when --data is synthetic', async () => {
    const a = await loadData('synthetic', 'auto', 1)
    assert.equal(a.source, 'synthetic')
    assert.ok(a.dataset.items.size > 0 && a.split.test.length > 0)
    assert.notEqual((await loadData('synthetic', 'auto', 2)).fingerprint, a.fingerprint)
  })

  it('refuses an unknown --format as a usage error before reading anything', () => {
    assert.throws(() => dataFormat('csv'), { code: 'CLI_USAGE', message: /--format must be one of auto, udata, ml1m, pairs, jsonl/ })
    assert.equal(dataFormat('pairs'), 'pairs')
  })
})
