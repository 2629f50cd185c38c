import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** SHA-256 of a file, streamed (a scores file may be larger than memory wants). */
export async function fileSha256 (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * SHA-256 of a Layers model directory as loaded: model.json, then each weight shard its
 * weightsManifest lists, in order (other files in the directory do not count).
 */
export async function layersSha256 (dir: string): Promise<string> {
  const hash = createHash('sha256')
  const json = await readFile(join(dir, 'model.json'))
  hash.update(json)
  const { weightsManifest = [] } = JSON.parse(json.toString('utf8')) as { weightsManifest?: Array<{ paths?: string[] }> }
  for (const group of weightsManifest) {
    for (const path of group.paths ?? []) hash.update(await readFile(join(dir, path)))
  }
  return hash.digest('hex')
}
