import { open, readFile } from 'node:fs/promises'
import { invalid } from './artifact-error.js'

/** Writes and fsyncs a file, so a later directory rename publishes complete contents. */
export async function writeFileSynced (path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'w')
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Makes renames and creations inside `dir` durable. */
export async function syncDir (dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

export async function readArtifactFile (path: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw invalid(path, code === 'ENOENT' ? 'file is missing' : `cannot be read (${code ?? (err as Error).message})`, err)
  }
}

export async function readArtifactJson (path: string): Promise<unknown> {
  return parseJson(await readArtifactFile(path), path)
}

export function parseJson (data: Buffer, path: string): unknown {
  const text = data.toString('utf8')
  try {
    return JSON.parse(text)
  } catch (err) {
    throw invalid(path, `is not valid JSON (${(err as Error).message})`, err)
  }
}

/** JSON with object keys sorted, so equal configs compare equal whatever their key order. */
export function canonicalJson (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  })
}
