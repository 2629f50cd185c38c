import type { VersionChannel } from './version-channel.js'

/** In-memory twin of RedisVersionChannel: announcements reach listeners in this process only. */
export class MemoryVersionChannel implements VersionChannel {
  #active: number | null = null
  #reserved = 0
  #fence = 0
  readonly #listeners = new Set<(version: number) => void>()

  async activate (version: number, fence?: number): Promise<boolean> {
    assertVersion(version)
    if (fence !== undefined) {
      if (fence <= this.#fence) return false
      this.#fence = fence
    }
    this.#active = version
    for (const listener of [...this.#listeners]) listener(version)
    return true
  }

  async reserve (floor: number): Promise<number> {
    this.#reserved = Math.max(this.#reserved, floor) + 1
    return this.#reserved
  }

  async active (): Promise<number | null> {
    return this.#active
  }

  async subscribe (listener: (version: number) => void): Promise<() => Promise<void>> {
    this.#listeners.add(listener)
    return async () => { this.#listeners.delete(listener) }
  }

  async close (): Promise<void> {
    this.#listeners.clear()
  }
}

export function assertVersion (version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) throw new RangeError(`a version is a positive integer, got ${version}`)
}
