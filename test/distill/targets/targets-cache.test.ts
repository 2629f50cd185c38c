import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cachedTeacherTargets, decodeTargets, encodeTargets, targetsFileName } from '../../../src/distill/targets/targets-cache.js'
import { TeacherTargets } from '../../../src/distill/targets/teacher-targets.js'

function targets (withEmbeddings: boolean): TeacherTargets {
  const positions = { users: Int32Array.from([0, 0, 1]), ends: Int32Array.from([1, 2, 1]) }
  const items = Int32Array.from([3, 1, 2, 0, 4, 1])
  const logits = Float32Array.from([2.5, 1, 0.5, -1, 3, 2])
  return withEmbeddings
    ? new TeacherTargets(positions, 2, items, logits, Float32Array.from({ length: 10 }, (_, i) => i / 10), 2)
    : new TeacherTargets(positions, 2, items, logits)
}

const key = { dataset: 'abc123', topN: 2, perUser: Infinity, withItemEmbeddings: true }

describe('teacher targets cache', () => {
  it('round-trips every array through the file format', () => {
    for (const withEmbeddings of [true, false]) {
      const original = targets(withEmbeddings)
      const back = decodeTargets(encodeTargets(original))
      assert.deepEqual(back.positions, original.positions)
      assert.deepEqual(back.items, original.items)
      assert.deepEqual(back.logits, original.logits)
      assert.deepEqual(back.itemEmbeddings, original.itemEmbeddings)
      assert.equal(back.embeddingDim, original.embeddingDim)
    }
  })

  it('computes once per teacher version and key, then reads the file back', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'targets-cache-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    let computed = 0
    const compute = (): TeacherTargets => { computed++; return targets(true) }
    const first = await cachedTeacherTargets(dir, key, compute)
    const second = await cachedTeacherTargets(dir, key, compute)
    assert.equal(computed, 1)
    assert.deepEqual([first.cached, second.cached], [false, true])
    assert.deepEqual(second.targets.logits, first.targets.logits)
    assert.deepEqual(await readdir(dir), [targetsFileName(key)])
    await cachedTeacherTargets(dir, { ...key, topN: 3 }, () => { computed++; return new TeacherTargets({ users: new Int32Array(0), ends: new Int32Array(0) }, 3, new Int32Array(0), new Float32Array(0)) })
    assert.equal(computed, 2, 'another key is another computation')
    await cachedTeacherTargets(dir, { ...key, mixItemKnn: { weight: 0.5, sharpness: 5 } }, compute)
    await cachedTeacherTargets(dir, { ...key, mixItemKnn: { weight: 0.3, sharpness: 5 } }, compute)
    assert.equal(computed, 4, 'each item-KNN mix is its own file')
    assert.equal((await readdir(dir)).length, 4)
  })

  it('recomputes when the file is truncated or foreign', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'targets-cache-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    const path = join(dir, targetsFileName(key))
    const good = encodeTargets(targets(true))
    for (const bad of [good.subarray(0, good.length - 4), Buffer.from('not targets at all')]) {
      await writeFile(path, bad)
      let computed = 0
      const { cached } = await cachedTeacherTargets(dir, key, () => { computed++; return targets(true) })
      assert.equal(cached, false)
      assert.equal(computed, 1)
    }
  })
})
