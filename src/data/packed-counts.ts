import { PackedIds, type ItemIds, type PackedIdsParts } from './packed-ids.js'

/** What a PackedCounts over PackedIds is made of, to hand to another thread (cloned there). */
export interface PackedCountsParts {
  ids: PackedIdsParts
  counts: Float64Array
}

/**
 * A read-only map from item id to count held as an id map and one typed array, for a large
 * catalogue: a Map of a million ids is two million objects (entries and strings) that every full
 * collection of the serving process marks (about 30 MB of a 1,000,000-item dataset's heap), this
 * is the id map's few objects and one buffer. Iterating makes each id string as it goes.
 */
export class PackedCounts implements ReadonlyMap<string, number> {
  readonly #ids: ItemIds
  readonly #counts: Float64Array

  /** `counts[i]` is the count of `ids.id(i)`. */
  constructor (ids: ItemIds, counts: Float64Array) {
    if (counts.length !== ids.size) throw new RangeError(`${counts.length} counts for ${ids.size} ids`)
    this.#ids = ids
    this.#counts = counts
  }

  /** Over `parts` from another thread. */
  static fromParts ({ ids, counts }: PackedCountsParts): PackedCounts {
    return new PackedCounts(new PackedIds(ids), counts)
  }

  /** The parts, when the ids are PackedIds (a large catalogue), else undefined. */
  parts (): PackedCountsParts | undefined {
    return this.#ids instanceof PackedIds ? { ids: this.#ids.parts(), counts: this.#counts } : undefined
  }

  /** The id map the counts are indexed by. */
  get ids (): ItemIds {
    return this.#ids
  }

  get size (): number {
    return this.#ids.size
  }

  get (id: string): number | undefined {
    const index = this.#ids.index(id)
    return index === undefined ? undefined : this.#counts[index]
  }

  has (id: string): boolean {
    return this.#ids.index(id) !== undefined
  }

  forEach (callback: (value: number, key: string, map: ReadonlyMap<string, number>) => void, thisArg?: unknown): void {
    for (let i = 0; i < this.#counts.length; i++) callback.call(thisArg, this.#counts[i], this.#ids.id(i), this)
  }

  * entries (): MapIterator<[string, number]> {
    for (let i = 0; i < this.#counts.length; i++) yield [this.#ids.id(i), this.#counts[i]]
  }

  * keys (): MapIterator<string> {
    for (let i = 0; i < this.#counts.length; i++) yield this.#ids.id(i)
  }

  * values (): MapIterator<number> {
    for (let i = 0; i < this.#counts.length; i++) yield this.#counts[i]
  }

  [Symbol.iterator] (): MapIterator<[string, number]> {
    return this.entries()
  }
}
