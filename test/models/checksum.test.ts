import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileSha256, layersSha256 } from '../../src/models/checksum.js'

describe('teacher checksums', () => {
  let dir: string
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'distillrec-checksum-')) })
  after(async () => await rm(dir, { recursive: true, force: true }))

  it('hashes a file as sha256sum does', async () => {
    const file = join(dir, 'scores.jsonl')
    await writeFile(file, '{"userId":"u1","items":[]}\n')
    assert.equal(await fileSha256(file), createHash('sha256').update('{"userId":"u1","items":[]}\n').digest('hex'))
    await assert.rejects(fileSha256(join(dir, 'missing')), { code: 'ENOENT' })
  })

  it('hashes a Layers model as loaded: model.json and its listed shards, nothing else', async () => {
    const model = join(dir, 'layers')
    await mkdir(model)
    await writeFile(join(model, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['a.bin', 'b.bin'], weights: [] }] }))
    await writeFile(join(model, 'a.bin'), 'A')
    await writeFile(join(model, 'b.bin'), 'B')
    const first = await layersSha256(model)
    await writeFile(join(model, 'README'), 'not part of the model')
    assert.equal(await layersSha256(model), first)
    await writeFile(join(model, 'b.bin'), 'C')
    assert.notEqual(await layersSha256(model), first)
  })
})
