import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { directoryFiles, STATE_FILE, versionDir } from '../../src/models/artifact/index.js'
import { MemoryModelStore } from '../../src/stores/memory-model-store.js'
import { MemoryVersionChannel } from '../../src/stores/memory-version-channel.js'
import { activateVersion } from '../../src/versions/activate.js'
import { publishFiles } from '../../src/versions/version-files.js'
import { loadOrder } from '../../src/versions/version-list.js'
import { saveStudent } from '../serving/student-fixture.js'

async function modelsDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-versions-'))
  t.after(async () => await rm(dir, { recursive: true, force: true }))
  return join(dir, 'models')
}

describe('activateVersion', () => {
  it('validates a version on disk, copies it into the store and announces it', async (t) => {
    const dir = await modelsDir(t)
    const version = await saveStudent(dir)
    const store = new MemoryModelStore()
    const channel = new MemoryVersionChannel()
    assert.deepEqual(await activateVersion({ modelsDir: dir, version, store, channel }), { published: true, activated: true })
    assert.deepEqual(await store.versions('student'), [version])
    assert.equal(await channel.active(), version)
    // again: already in the store, announced again
    assert.deepEqual(await activateVersion({ modelsDir: dir, version, store, channel }), { published: false, activated: true })
  })

  it('activates a version that only the store holds (published by another replica)', async (t) => {
    const elsewhere = await modelsDir(t)
    const version = await saveStudent(elsewhere)
    const store = new MemoryModelStore()
    await publishFiles(store, directoryFiles(versionDir(elsewhere, 'student', version)), version)
    const channel = new MemoryVersionChannel()
    assert.deepEqual(await activateVersion({ modelsDir: await modelsDir(t), version, store, channel }), { published: false, activated: true })
    assert.equal(await channel.active(), version)
  })

  it('announces nothing for a missing, a rejected or a fenced-off version', async (t) => {
    const dir = await modelsDir(t)
    const channel = new MemoryVersionChannel()
    await assert.rejects(activateVersion({ modelsDir: dir, version: 9, channel }), /not in the models directory/)
    const rejected = await saveStudent(dir)
    await writeFile(join(versionDir(dir, 'student', rejected), STATE_FILE), JSON.stringify({ state: 'rejected', reason: 'worse', at: '' }))
    await assert.rejects(activateVersion({ modelsDir: dir, version: rejected, channel }), /rejected by the validation gate: worse/)
    assert.equal(await channel.active(), null)
    const fresh = await saveStudent(dir)
    assert.equal((await activateVersion({ modelsDir: dir, version: fresh, channel, fence: 5 })).activated, true)
    const stale = await saveStudent(dir)
    assert.equal((await activateVersion({ modelsDir: dir, version: stale, channel, fence: 4 })).activated, false)
    assert.equal(await channel.active(), fresh)
  })
})

describe('loadOrder', () => {
  it('puts the preferred version first, then the rest newest first, each once', () => {
    assert.deepEqual(loadOrder([1, 3, 2, 3], undefined), [3, 2, 1])
    assert.deepEqual(loadOrder([1, 3, 2], 1), [1, 3, 2])
    assert.deepEqual(loadOrder([1, 2], 7), [7, 2, 1])
  })
})
