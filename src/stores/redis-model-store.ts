import type { Redis } from 'ioredis'
import { ARTIFACT_FILES, OPTIONAL_ARTIFACT_FILES } from '../models/artifact/artifact-files.js'
import type { ArtifactRole } from '../models/artifact/manifest.js'
import type { ArtifactBlobs, ModelStore } from './model-store.js'

const PUBLISH = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[1])
return 1`

const REMOVE = `
local deleted = redis.call('DEL', KEYS[1])
local removed = redis.call('ZREM', KEYS[2], ARGV[1])
if deleted + removed > 0 then return 1 end
return 0`

export interface RedisModelStoreOptions {
  /** Owned by the caller: close() leaves it open. */
  client: Redis
  prefix: string
}

/**
 * Versions in Redis: `<prefix>model:<role>:v<version>` is a hash of the four files (binary-safe),
 * `<prefix>model:<role>:versions` a sorted set of the published numbers. One script writes both,
 * so a replica that sees a number in the set finds every file, and two publishers never mix files;
 * another removes both.
 */
export class RedisModelStore implements ModelStore {
  readonly #client: Redis
  readonly #prefix: string

  constructor ({ client, prefix }: RedisModelStoreOptions) {
    this.#client = client
    this.#prefix = prefix
  }

  async publish (role: ArtifactRole, version: number, files: ArtifactBlobs): Promise<boolean> {
    // an optional file (ann.bin) a version lacks is left out: files() reads it back as empty
    const fields = ARTIFACT_FILES.flatMap((name) => files[name] === undefined ? [] : [name, files[name]])
    const added = await this.#client.eval(PUBLISH, 2, this.#key(role, version), this.#versionsKey(role), version, ...fields)
    return added === 1
  }

  async versions (role: ArtifactRole): Promise<number[]> {
    const members = await this.#client.zrange(this.#versionsKey(role), 0, -1)
    return members.map(Number).filter((v) => Number.isSafeInteger(v) && v > 0)
  }

  async files (role: ArtifactRole, version: number): Promise<ArtifactBlobs | null> {
    const values = await this.#client.hmgetBuffer(this.#key(role, version), ...ARTIFACT_FILES)
    if (values.every((v) => v === null)) return null
    // an optional file the version was published without stays absent, as in the memory twin
    return Object.fromEntries(ARTIFACT_FILES.flatMap((name, i) => values[i] === null && OPTIONAL_ARTIFACT_FILES.includes(name) ? [] : [[name, values[i] ?? Buffer.alloc(0)]])) as unknown as ArtifactBlobs
  }

  async remove (role: ArtifactRole, version: number): Promise<boolean> {
    const removed = await this.#client.eval(REMOVE, 2, this.#key(role, version), this.#versionsKey(role), version)
    return removed === 1
  }

  async close (): Promise<void> {}

  #key (role: ArtifactRole, version: number): string {
    return `${this.#prefix}model:${role}:v${version}`
  }

  #versionsKey (role: ArtifactRole): string {
    return `${this.#prefix}model:${role}:versions`
  }
}
