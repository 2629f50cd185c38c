/**
 * Maps external string ids to dense indices 0..size-1 and back.
 * Dense indices are what models and tensors see; external ids are what clients see.
 */
export class IdMap {
  readonly #toIndex = new Map<string, number>()
  readonly #toId: string[] = []

  static fromIds (ids: Iterable<string>): IdMap {
    const map = new IdMap()
    for (const id of ids) map.add(id)
    return map
  }

  get size (): number {
    return this.#toId.length
  }

  /** Returns the index of `id`, assigning the next free one if it is new. */
  add (id: string): number {
    let index = this.#toIndex.get(id)
    if (index === undefined) {
      index = this.#toId.length
      this.#toIndex.set(id, index)
      this.#toId.push(id)
    }
    return index
  }

  index (id: string): number | undefined {
    return this.#toIndex.get(id)
  }

  id (index: number): string {
    const id = this.#toId[index]
    if (id === undefined) throw new RangeError(`no id at index ${index} (size ${this.size})`)
    return id
  }

  ids (): readonly string[] {
    return this.#toId
  }
}
