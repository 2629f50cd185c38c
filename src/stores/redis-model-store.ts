import { randomBytes } from 'node:crypto'
import { ARTIFACT_FILES, OPTIONAL_ARTIFACT_FILES } from '../models/artifact/artifact-files.js'
import type { ArtifactRole } from '../models/artifact/manifest.js'
import type { ArtifactBlobs, ModelStore } from './model-store.js'
import type { RedisConnection } from './redis-client.js'
import { keysFor, type RedisKeys } from './redis-keys.js'
import { RedisScript } from './redis-script.js'
import { assertPositiveInt } from './store-error.js'

// KEYS: manifest, versions; ARGV: version, manifest JSON. The number is the version's identity:
// once in the set (written by this script or, before chunks, as one hash), it is never replaced.
const COMMIT = new RedisScript(`
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[1])
return 1`)

// KEYS: manifest, versions; ARGV: version. Returns the manifest (false when none) and whether
// the number was in the set.
const UNCOMMIT = new RedisScript(`
local manifest = redis.call('GET', KEYS[1])
redis.call('DEL', KEYS[1])
local removed = redis.call('ZREM', KEYS[2], ARGV[1])
return { manifest, removed }`)

/** 8 MiB: a 1,000,000-item matrix (~128 MB) spreads as ~16 chunks over the shards. */
const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024
/** Chunk writes or reads in flight at once: enough to keep the shards busy, few enough to bound memory. */
const IN_FLIGHT = 4

/** What a committed version records: its upload and how many chunks each file has. */
interface Manifest {
  upload: string
  chunks: Record<string, number>
}

export interface RedisModelStoreOptions {
  /** Owned by the caller: close() leaves it open. */
  client: RedisConnection
  prefix: string
  /** Bytes per chunk of a file (default 8 MiB). */
  chunkBytes?: number
}

/**
 * Versions in Redis, each file in chunks (`<prefix>model:<role>:v<N>:<upload>:<file>:<k>`, untagged,
 * so a large model spreads over a cluster's shards). Once every chunk is written, one script on the
 * role's tagged keys commits the version: its manifest (upload id and chunk counts per file) and its
 * number in the sorted set `<prefix>model:<role>:versions`. A replica that sees a number finds every
 * chunk; two publishers of one number write under different upload ids, and the loser deletes its
 * own. remove() uncommits first (readers then see none of it), then deletes the chunks.
 * Versions published before chunks (one hash `<prefix>model:<role>:v<N>`) are still read and removed.
 * A publisher that dies part-way leaves its uncommitted chunks behind (no reader ever sees them).
 */
export class RedisModelStore implements ModelStore {
  readonly #client: RedisConnection
  readonly #keys: RedisKeys
  readonly #chunkBytes: number

  constructor ({ client, prefix, chunkBytes = DEFAULT_CHUNK_BYTES }: RedisModelStoreOptions) {
    assertPositiveInt('chunkBytes', chunkBytes)
    this.#client = client
    this.#keys = keysFor(client, prefix)
    this.#chunkBytes = chunkBytes
  }

  async publish (role: ArtifactRole, version: number, files: ArtifactBlobs): Promise<boolean> {
    const upload = randomBytes(8).toString('hex')
    const manifest: Manifest = { upload, chunks: {} }
    const writes: Array<[string, Buffer]> = []
    for (const name of ARTIFACT_FILES) {
      // an optional file (ann.bin) this version lacks is left out: files() leaves it absent
      const bytes = files[name]
      if (bytes === undefined) continue
      const count = Math.ceil(bytes.length / this.#chunkBytes)
      manifest.chunks[name] = count
      for (let k = 0; k < count; k++) {
        // a copy: the caller may reuse its buffer once publish resolves (subarray would share it)
        writes.push([this.#keys.modelChunk(role, version, upload, name, k), Buffer.from(bytes.subarray(k * this.#chunkBytes, (k + 1) * this.#chunkBytes))])
      }
    }
    let committed = false
    try {
      await inBatches(writes, async ([key, chunk]) => { await this.#client.set(key, chunk) })
      committed = await COMMIT.run(this.#client, [this.#keys.modelManifest(role, version), this.#keys.modelVersions(role)], [version, JSON.stringify(manifest)]) === 1
      return committed
    } finally {
      if (!committed) await this.#deleteChunks(writes.map(([key]) => key)).catch(() => {})
    }
  }

  async versions (role: ArtifactRole): Promise<number[]> {
    const members = await this.#client.zrange(this.#keys.modelVersions(role), 0, -1)
    return members.map(Number).filter((v) => Number.isSafeInteger(v) && v > 0)
  }

  async files (role: ArtifactRole, version: number): Promise<ArtifactBlobs | null> {
    const raw = await this.#client.get(this.#keys.modelManifest(role, version))
    if (raw === null) return await this.#legacyFiles(role, version)
    const manifest = JSON.parse(raw) as Manifest
    const files: Record<string, Buffer> = {}
    for (const name of ARTIFACT_FILES) {
      // an optional file the version was published without stays absent, as in the memory twin
      if (manifest.chunks[name] === undefined && OPTIONAL_ARTIFACT_FILES.includes(name)) continue
      const keys = this.#chunkKeys(role, version, manifest, name)
      const chunks = await inBatches(keys, async (key) => await this.#client.getBuffer(key))
      // removed while being read: as if it had not been there
      if (chunks.some((chunk) => chunk === null)) return null
      files[name] = Buffer.concat(chunks as Buffer[])
    }
    return files as ArtifactBlobs
  }

  async remove (role: ArtifactRole, version: number): Promise<boolean> {
    const [raw, removed] = await UNCOMMIT.run(this.#client, [this.#keys.modelManifest(role, version), this.#keys.modelVersions(role)], [version]) as [string | null | false, number]
    const legacy = await this.#client.del(this.#keys.modelLegacy(role, version))
    if (typeof raw === 'string') {
      const manifest = JSON.parse(raw) as Manifest
      await this.#deleteChunks(Object.keys(manifest.chunks).flatMap((name) => this.#chunkKeys(role, version, manifest, name)))
    }
    return typeof raw === 'string' || removed === 1 || legacy === 1
  }

  async close (): Promise<void> {}

  #chunkKeys (role: ArtifactRole, version: number, manifest: Manifest, name: string): string[] {
    return Array.from({ length: manifest.chunks[name] ?? 0 }, (_, k) => this.#keys.modelChunk(role, version, manifest.upload, name, k))
  }

  async #deleteChunks (keys: readonly string[]): Promise<void> {
    // one key per DEL: on a cluster the chunks live in different slots
    await inBatches(keys, async (key) => await this.#client.del(key))
  }

  async #legacyFiles (role: ArtifactRole, version: number): Promise<ArtifactBlobs | null> {
    const values = await this.#client.hmgetBuffer(this.#keys.modelLegacy(role, version), ...ARTIFACT_FILES)
    if (values.every((v) => v === null)) return null
    return Object.fromEntries(ARTIFACT_FILES.flatMap((name, i) => values[i] === null && OPTIONAL_ARTIFACT_FILES.includes(name) ? [] : [[name, values[i] ?? Buffer.alloc(0)]])) as unknown as ArtifactBlobs
  }
}

/** Runs `work` over `items`, IN_FLIGHT at a time, results in order. */
async function inBatches<T, R> (items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = []
  for (let from = 0; from < items.length; from += IN_FLIGHT) {
    results.push(...await Promise.all(items.slice(from, from + IN_FLIGHT).map(work)))
  }
  return results
}
