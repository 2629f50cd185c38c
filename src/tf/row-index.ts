/**
 * The rows of a large table one training step touches, numbered densely in first-seen order:
 * `add(id)` gives each distinct id its compact row, so a step gathers `unique()` rows into a small
 * tensor and its ids become indices into that tensor. The id -> row map is an Int32Array over the
 * whole table allocated once; `clear()` resets only the entries the step set, so a step costs what
 * it touches, not the table's size.
 */
export class RowIndex {
  readonly #slot: Int32Array
  readonly #ids: number[] = []

  constructor (readonly rows: number) {
    this.#slot = new Int32Array(rows).fill(-1)
  }

  /** The compact row of `id`, given the next free one on first sight. */
  add (id: number): number {
    if (!(id >= 0 && id < this.rows)) throw new RangeError(`row ${id} is outside a table of ${this.rows} rows`)
    let at = this.#slot[id]
    if (at < 0) {
      at = this.#ids.length
      this.#slot[id] = at
      this.#ids.push(id)
    }
    return at
  }

  /** Every id of `ids` mapped through `add`. */
  map (ids: ArrayLike<number>): Int32Array {
    const out = new Int32Array(ids.length)
    for (let i = 0; i < ids.length; i++) out[i] = this.add(ids[i])
    return out
  }

  get size (): number {
    return this.#ids.length
  }

  /** The table rows touched so far, in compact order. */
  unique (): Int32Array {
    return Int32Array.from(this.#ids)
  }

  clear (): void {
    for (const id of this.#ids) this.#slot[id] = -1
    this.#ids.length = 0
  }
}
