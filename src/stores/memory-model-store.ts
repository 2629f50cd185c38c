import type { ArtifactRole } from '../models/artifact/manifest.js'
import type { ArtifactBlobs, ModelStore } from './model-store.js'

/** In-memory twin of RedisModelStore: one process, nothing shared. */
export class MemoryModelStore implements ModelStore {
  readonly #versions = new Map<string, ArtifactBlobs>()

  async publish (role: ArtifactRole, version: number, files: ArtifactBlobs): Promise<boolean> {
    const key = `${role}:${version}`
    if (this.#versions.has(key)) return false
    // copies, as Redis would keep: later writes to the caller's buffers must not show here
    this.#versions.set(key, Object.fromEntries(Object.entries(files).map(([name, data]) => [name, Buffer.from(data)])) as unknown as ArtifactBlobs)
    return true
  }

  async versions (role: ArtifactRole): Promise<number[]> {
    return [...this.#versions.keys()]
      .filter((key) => key.startsWith(`${role}:`))
      .map((key) => Number(key.slice(role.length + 1)))
      .sort((a, b) => a - b)
  }

  async files (role: ArtifactRole, version: number): Promise<ArtifactBlobs | null> {
    return this.#versions.get(`${role}:${version}`) ?? null
  }

  async remove (role: ArtifactRole, version: number): Promise<boolean> {
    return this.#versions.delete(`${role}:${version}`)
  }

  async close (): Promise<void> {
    this.#versions.clear()
  }
}
