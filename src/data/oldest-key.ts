/**
 * The oldest entry of a Map (insertion order) in amortised constant time. V8 leaves a deleted
 * entry's slot in the Map's table until the table is rebuilt, and a fresh iterator (`keys().next()`,
 * `for of`) starts from the first slot, so a Map used as a FIFO or LRU (drop the first entry on
 * every insert) skips every slot freed since the last rebuild: at 100,000 entries that cost
 * 20-100 us a call here, growing with the entries. One live iterator kept across calls skips each
 * freed slot once. Only this drops from the front: every entry before the iterator is gone.
 */
export class OldestKey<K, V> {
  readonly #map: Map<K, V>
  #cursor: Iterator<[K, V]>
  /** What `peek` found, still in the map unless deleted or set again since. */
  #held: [K, V] | undefined

  constructor (map: Map<K, V>) {
    this.#map = map
    this.#cursor = map.entries()
  }

  /**
   * The oldest entry, left in place. Only for maps whose writers set a new value object whenever
   * they set a key again (a key moved to the end with the same object would still look oldest).
   */
  peek (): [K, V] | undefined {
    const held = this.#held
    if (held !== undefined && this.#map.get(held[0]) === held[1]) return held
    let next = this.#cursor.next()
    // a finished iterator stays finished, even after new keys are added
    if (next.done === true) {
      this.#cursor = this.#map.entries()
      next = this.#cursor.next()
    }
    this.#held = next.done === true ? undefined : next.value
    return this.#held
  }

  /** Deletes the oldest entry; its key, or undefined when the map is empty. */
  evict (): K | undefined {
    const held = this.#held
    this.#held = undefined
    let key: K
    if (held !== undefined && this.#map.get(held[0]) === held[1]) {
      key = held[0]
    } else {
      let next = this.#cursor.next()
      if (next.done === true) {
        this.#cursor = this.#map.entries()
        next = this.#cursor.next()
      }
      if (next.done === true) return undefined
      key = next.value[0]
    }
    this.#map.delete(key)
    return key
  }
}
