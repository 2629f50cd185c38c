/**
 * Evicts the oldest entry of a Map (insertion order) in amortised constant time. V8 leaves a
 * deleted entry's slot in the Map's table until the table is rebuilt, and `map.keys().next()`
 * starts from the first slot, so a Map used as a FIFO or LRU (delete the first key on every
 * insert) skips every slot freed since the last rebuild: at 100,000 entries that cost 20-100 us a
 * call here, growing with the entries. One live iterator kept across calls skips each freed slot once.
 * Only this evicts from the front: every key before the iterator has been deleted by it.
 */
export class OldestKey<K> {
  readonly #map: Map<K, unknown>
  #cursor: Iterator<K>

  constructor (map: Map<K, unknown>) {
    this.#map = map
    this.#cursor = map.keys()
  }

  /** Deletes the oldest entry; its key, or undefined when the map is empty. */
  evict (): K | undefined {
    let next = this.#cursor.next()
    // a finished iterator stays finished, even after new keys are added
    if (next.done === true) {
      this.#cursor = this.#map.keys()
      next = this.#cursor.next()
    }
    if (next.done === true) return undefined
    this.#map.delete(next.value)
    return next.value
  }
}
