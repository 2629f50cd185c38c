import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A private temp copy of an index's verified bytes, which usearch memory-maps (it opens by path only). */
export interface IndexFile {
  dir: string
  path: string
}

/** Writes `bytes` to a file of a fresh private temp directory without blocking (a loading thread's or the loop's). */
export async function writeIndexFile (bytes: Uint8Array): Promise<IndexFile> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-ann-'))
  const path = join(dir, 'index.usearch')
  try {
    await writeFile(path, bytes)
  } catch (err) {
    await removeIndexFile({ dir, path })
    throw err
  }
  return { dir, path }
}

/** Removes the file and its directory; a mapping of it stays readable until it is unmapped. */
export async function removeIndexFile ({ dir }: IndexFile): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}
