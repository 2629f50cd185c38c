import { readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileSynced } from '../../models/artifact/files.js'
import { TeacherTargets } from './teacher-targets.js'

export interface TargetsKey {
  /** Fingerprint of the training data the positions index into. */
  dataset: string
  topN: number
  /** Positions per user that carry targets; Infinity = all. */
  perUser: number
  withItemEmbeddings: boolean
  /** Mixed distillation: item-KNN's targets mixed in with this weight and sharpness. */
  mixItemKnn?: { weight: number, sharpness: number }
  /** Targets from this many ANN candidates a position (a large catalogue); absent: exact. */
  candidates?: number
}

// 2: top-N lists leave each history's own items out (files of 1 are recomputed)
const MAGIC = 'distillrec-targets-2'

/**
 * Teacher targets are a pure function of (teacher version, data, topN, positions, item-KNN mix), so
 * they are computed once and kept beside the teacher version they came from; later student runs
 * read them back instead of running the teacher (or item-KNN) again. A file that does not match
 * is recomputed.
 */
export async function cachedTeacherTargets (teacherDir: string, key: TargetsKey, compute: () => TeacherTargets | Promise<TeacherTargets>): Promise<{ targets: TeacherTargets, cached: boolean }> {
  const path = join(teacherDir, targetsFileName(key))
  const read = await readTargets(path, key)
  if (read !== undefined) return { targets: read, cached: true }
  const targets = await compute()
  const tmp = `${path}.tmp-${process.pid}`
  try {
    await writeFileSynced(tmp, encodeTargets(targets))
    await rename(tmp, path)
  } catch {
    // a read-only models directory only costs the next run a recomputation
    await rm(tmp, { force: true })
  }
  return { targets, cached: false }
}

export function targetsFileName ({ dataset, topN, perUser, withItemEmbeddings, mixItemKnn, candidates }: TargetsKey): string {
  const mix = mixItemKnn === undefined ? '' : `-knn${mixItemKnn.weight}s${mixItemKnn.sharpness}`
  const ann = candidates === undefined ? '' : `-ann${candidates}`
  return `targets-${dataset}-n${topN}-p${Number.isFinite(perUser) ? perUser : 'all'}${withItemEmbeddings ? '-emb' : ''}${mix}${ann}.bin`
}

interface Header { magic: string, positions: number, topN: number, embeddingDim: number, embeddings: number }

/** Layout: uint32 header length, JSON header, then users, ends, items (int32), logits, embeddings (float32). */
export function encodeTargets (t: TeacherTargets): Buffer {
  const header: Header = { magic: MAGIC, positions: t.size, topN: t.topN, embeddingDim: t.embeddingDim, embeddings: t.itemEmbeddings?.length ?? 0 }
  const json = Buffer.from(JSON.stringify(header))
  const arrays = [t.positions.users, t.positions.ends, t.items, t.logits, t.itemEmbeddings ?? new Float32Array(0)]
  const head = Buffer.alloc(4 + json.length + ((4 - json.length % 4) % 4))
  head.writeUInt32LE(json.length, 0)
  json.copy(head, 4)
  return Buffer.concat([head, ...arrays.map(a => Buffer.from(a.buffer, a.byteOffset, a.byteLength))])
}

export function decodeTargets (buffer: Buffer): TeacherTargets {
  const length = buffer.readUInt32LE(0)
  const header = JSON.parse(buffer.subarray(4, 4 + length).toString()) as Header
  if (header.magic !== MAGIC) throw new Error('not a targets file')
  let offset = 4 + length + ((4 - length % 4) % 4)
  const counts = [header.positions, header.positions, header.positions * header.topN, header.positions * header.topN, header.embeddings]
  if (buffer.length !== offset + 4 * counts.reduce((a, b) => a + b, 0)) throw new Error('targets file has the wrong length')
  const copy = new Uint8Array(buffer.subarray(offset)).buffer
  offset = 0
  const take = (n: number): ArrayBuffer => copy.slice(offset, (offset += 4 * n))
  const users = new Int32Array(take(counts[0]))
  const ends = new Int32Array(take(counts[1]))
  const items = new Int32Array(take(counts[2]))
  const logits = new Float32Array(take(counts[3]))
  const embeddings = header.embeddings > 0 ? new Float32Array(take(counts[4])) : undefined
  return new TeacherTargets({ users, ends }, header.topN, items, logits, embeddings, header.embeddingDim)
}

async function readTargets (path: string, key: TargetsKey): Promise<TeacherTargets | undefined> {
  let buffer: Buffer
  try {
    buffer = await readFile(path)
  } catch {
    return undefined
  }
  try {
    const targets = decodeTargets(buffer)
    if (targets.topN !== key.topN || (targets.itemEmbeddings !== undefined) !== key.withItemEmbeddings) return undefined
    return targets
  } catch {
    return undefined
  }
}
