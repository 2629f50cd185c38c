import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { ArtifactError, directoryFiles, versionDir } from '../../src/models/artifact/index.js'
import { MemoryModelStore } from '../../src/stores/memory-model-store.js'
import { validateStudentVersion } from '../../src/versions/validate-student.js'
import { publishFiles, storeFiles } from '../../src/versions/version-files.js'
import { saveStudent } from '../serving/student-fixture.js'

async function modelsDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-validate-'))
  t.after(async () => await rm(dir, { recursive: true, force: true }))
  return dir
}

// threadMinItems 1: validated in the thread, as a large version is; Infinity: on the loop
for (const [where, threadMinItems] of [['in a thread', 1], ['on the event loop', Infinity]] as const) {
  describe(`validateStudentVersion ${where}`, () => {
    it('accepts a saved version, from its directory and from the model store', async (t) => {
      const dir = await modelsDir(t)
      const version = await saveStudent(dir)
      const files = directoryFiles(versionDir(dir, 'student', version))
      await validateStudentVersion(files, version, { threadMinItems })
      const store = new MemoryModelStore()
      await publishFiles(store, files, version)
      await validateStudentVersion(await storeFiles(store, version), version, { threadMinItems })
      assert.ok((await store.files('student', version))!['weights.bin'].byteLength > 0, 'the store keeps its bytes')
    })

    it('refuses a damaged version with the ArtifactError a replica would refuse it with', async (t) => {
      const dir = await modelsDir(t)
      const version = await saveStudent(dir)
      const vdir = versionDir(dir, 'student', version)
      const check = async (): Promise<void> => await validateStudentVersion(directoryFiles(vdir), version, { threadMinItems })
      const weights = await readFile(join(vdir, 'weights.bin'))
      await writeFile(join(vdir, 'weights.bin'), weights.subarray(8))
      await assert.rejects(check(), (err: unknown) => err instanceof ArtifactError && err.code === 'ARTIFACT_INVALID' && /weights\.bin: holds \d+ bytes, manifest\.json says/.test(err.message))
      await writeFile(join(vdir, 'weights.bin'), weights)
      await assert.rejects(validateStudentVersion(directoryFiles(vdir), version + 1, { threadMinItems }), /manifest\.json: version is 1 but it was read as version 2/)
      await writeFile(join(vdir, 'manifest.json'), '{')
      await assert.rejects(check(), (err: unknown) => err instanceof ArtifactError && /manifest\.json: is not valid JSON/.test(err.message))
    })
  })
}
