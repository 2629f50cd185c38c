import type { ItemInfo } from '../data/item-metadata.js'

/** Bounds memory when clients send many distinct genre sets; real traffic repeats a few. */
const MAX_CACHED_FILTERS = 256

/**
 * A version's items with their metadata, on its dense indices. Genre masks are built once per
 * version, so a filtered request costs a cache look-up rather than a pass over the metadata.
 * Genre names match case-insensitively because clients type them; items without metadata match
 * no filter, since nothing says they belong to the genre.
 */
export class ItemCatalog {
  readonly #info: Array<ItemInfo | undefined>
  readonly #masks = new Map<string, Uint8Array>()
  readonly #genres: string[]
  readonly #filters = new Map<string, Uint8Array>()

  constructor (itemIds: readonly string[], metadata: ReadonlyMap<string, ItemInfo>) {
    this.#info = itemIds.map((id) => metadata.get(id))
    // The first spelling met names the genre in error messages and listings.
    const names = new Map<string, string>()
    this.#info.forEach((info, index) => {
      for (const genre of info?.genres ?? []) {
        const key = genre.toLowerCase()
        let mask = this.#masks.get(key)
        if (mask === undefined) {
          mask = new Uint8Array(itemIds.length)
          this.#masks.set(key, mask)
          names.set(key, genre)
        }
        mask[index] = 1
      }
    })
    this.#genres = [...names.values()].sort()
  }

  info (index: number): ItemInfo | undefined {
    return this.#info[index]
  }

  /** The known genres as the data writes them, sorted; a copy, for error messages and listings. */
  genres (): string[] {
    return [...this.#genres]
  }

  unknownGenres (genres: readonly string[]): string[] {
    return genres.filter((g) => !this.#masks.has(g.toLowerCase()))
  }

  /**
   * 1 for items with any of `genres`. Shared through the cache with every request for the same
   * set, so callers must not write to it; the oldest set is dropped once the cache is full.
   */
  allowed (genres: readonly string[]): Uint8Array {
    const keys = [...new Set(genres.map((g) => g.toLowerCase()))].sort()
    // JSON keeps the key unambiguous whatever characters a genre name holds.
    const cacheKey = JSON.stringify(keys)
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
