import type { ItemInfo } from '../data/item-metadata.js'

const MAX_CACHED_FILTERS = 256

/**
 * A version's items with their metadata, on its dense indices: genre masks are built once per
 * version, and a filter's mask (any of its genres) is cached, so a filtered request costs one
 * map look-up. Genre names match case-insensitively; items without metadata match no filter.
 */
export class ItemCatalog {
  readonly #info: Array<ItemInfo | undefined>
  readonly #masks = new Map<string, Uint8Array>()
  readonly #names = new Map<string, string>()
  readonly #filters = new Map<string, Uint8Array>()

  constructor (itemIds: readonly string[], metadata: ReadonlyMap<string, ItemInfo>) {
    this.#info = itemIds.map((id) => metadata.get(id))
    this.#info.forEach((info, index) => {
      for (const genre of info?.genres ?? []) {
        const key = genre.toLowerCase()
        let mask = this.#masks.get(key)
        if (mask === undefined) {
          mask = new Uint8Array(itemIds.length)
          this.#masks.set(key, mask)
          this.#names.set(key, genre)
        }
        mask[index] = 1
      }
    })
  }

  info (index: number): ItemInfo | undefined {
    return this.#info[index]
  }

  /** The known genres as the data writes them, sorted. */
  genres (): string[] {
    return [...this.#names.values()].sort()
  }

  unknownGenres (genres: readonly string[]): string[] {
    return genres.filter((g) => !this.#masks.has(g.toLowerCase()))
  }

  /** 1 for items with any of `genres`; shared and cached: callers must not write to it. */
  allowed (genres: readonly string[]): Uint8Array {
    const keys = [...new Set(genres.map((g) => g.toLowerCase()))].sort()
    const cacheKey = keys.join('\n')
    const cached = this.#filters.get(cacheKey)
    if (cached !== undefined) return cached
    const allowed = new Uint8Array(this.#info.length)
    for (const key of keys) {
      const mask = this.#masks.get(key)
      if (mask !== undefined) for (let i = 0; i < mask.length; i++) allowed[i] |= mask[i]
    }
    this.#filters.set(cacheKey, allowed)
    if (this.#filters.size > MAX_CACHED_FILTERS) this.#filters.delete(this.#filters.keys().next().value as string)
    return allowed
  }
}
