import type { Announcement, ChannelMessage } from './channel-message.js'
import type { VersionChannel } from './version-channel.js'

/** In-memory twin of RedisVersionChannel: announcements reach listeners in this process only. */
export class MemoryVersionChannel implements VersionChannel {
  #active: number | null = null
  #reserved = 0
  #fence = 0
  readonly #listeners = new Set<(message: ChannelMessage) => void>()

  async activate (version: number, fence?: number): Promise<boolean> {
    assertVersion(version)
    if (fence !== undefined) {
      if (fence <= this.#fence) return false
      this.#fence = fence
    }
    this.#active = version
    this.#announce({ kind: 'version', version })
    return true
  }

  async reserve (floor: number): Promise<number> {
    this.#reserved = Math.max(this.#reserved, floor) + 1
    return this.#reserved
  }

  async active (): Promise<number | null> {
    return this.#active
  }

  async announceExperiment (id: number): Promise<void> {
    assertExperimentId(id)
    this.#announce({ kind: 'experiment', id })
  }

  async subscribe (listener: (message: ChannelMessage) => void): Promise<() => Promise<void>> {
    this.#listeners.add(listener)
    return async () => { this.#listeners.delete(listener) }
  }

  #announce (message: Announcement): void {
    for (const listener of [...this.#listeners]) listener(message)
  }

  async close (): Promise<void> {
    this.#listeners.clear()
  }
}

export function assertVersion (version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) throw new RangeError(`a version is a positive integer, got ${version}`)
}

export function assertExperimentId (id: number): void {
  if (!Number.isSafeInteger(id) || id < 1) throw new RangeError(`an experiment id is a positive integer, got ${id}`)
}
