/** The read side of an id map, as serving uses a version's catalogue: IdMap, or PackedIds for a large one. */
export interface ItemIds {
  readonly size: number
  index (id: string): number | undefined
  id (index: number): string
  ids (): readonly string[]
}

/** What PackedIds is made of: the UTF-16 code units of every id one after another, the end of each id in them, and an open-addressing table of index + 1 (0 empty). */
export interface PackedIdsParts {
  codes: Uint16Array
  ends: Int32Array
  table: Int32Array
}

/** Code units turned into a string per call of String.fromCharCode (its arguments are limited). */
const CODES_PER_CALL = 4096

/**
 * A fixed id map held as three typed arrays (the ids' code units, where each ends, a hash table),
 * instead of a string and a Map entry per id: a million-item catalogue is three objects for the
 * garbage collector, not two million, and it can be built in a loading thread and handed over
 * whole, in shared memory, with nothing to copy or decode on the serving thread (a string of the
 * ids, as it was, was copied on the way: about 10 MB at 1,000,000 items, which held the receiving
 * thread's loop 15-32 ms in isolation, under load). Lookups hash the id (FNV-1a over UTF-16 code units) into a table of twice the size,
 * probing linearly, and compare code units; `id(i)` makes the string from its code units.
 */
export class PackedIds implements ItemIds {
  readonly #codes: Uint16Array
  readonly #ends: Int32Array
  readonly #table: Int32Array
  readonly #mask: number
  #ids: readonly string[] | undefined

  constructor ({ codes, ends, table }: PackedIdsParts) {
    if (table.length === 0 || (table.length & (table.length - 1)) !== 0 || table.length < ends.length) throw new RangeError(`a table of ${table.length} slots for ${ends.length} ids`)
    if ((ends.at(-1) ?? 0) !== codes.length) throw new RangeError('the ids do not end where their code units do')
    this.#codes = codes
    this.#ends = ends
    this.#table = table
    this.#mask = table.length - 1
  }

  /** Packs distinct ids (throws RangeError on a duplicate); blocks for about a second per million ids, so a thread's work for a large catalogue. */
  static fromIds (ids: readonly string[]): PackedIds {
    const ends = new Int32Array(ids.length)
    let length = 0
    ids.forEach((id, i) => { length += id.length; ends[i] = length })
    const codes = new Uint16Array(length)
    ids.forEach((id, i) => {
      for (let j = 0, at = ends[i] - id.length; j < id.length; j++) codes[at + j] = id.charCodeAt(j)
    })
    let slots = 2
    while (slots < 2 * ids.length) slots *= 2
    const table = new Int32Array(slots)
    const mask = slots - 1
    ids.forEach((id, i) => {
      let slot = hash(id) & mask
      while (table[slot] !== 0) {
        if (ids[table[slot] - 1] === id) throw new RangeError(`duplicate id ${JSON.stringify(id)}`)
        slot = (slot + 1) & mask
      }
      table[slot] = i + 1
    })
    return new PackedIds({ codes, ends, table })
  }

  get size (): number {
    return this.#ends.length
  }

  index (id: string): number | undefined {
    const ends = this.#ends
    let slot = hash(id) & this.#mask
    for (let entry = this.#table[slot]; entry !== 0; entry = this.#table[slot]) {
      const i = entry - 1
      const start = i === 0 ? 0 : ends[i - 1]
      if (ends[i] - start === id.length && this.#holds(id, start)) return i
      slot = (slot + 1) & this.#mask
    }
    return undefined
  }

  id (index: number): string {
    if (!Number.isInteger(index) || index < 0 || index >= this.#ends.length) throw new RangeError(`no id at index ${index} (size ${this.size})`)
    const start = index === 0 ? 0 : this.#ends[index - 1]
    const end = this.#ends[index]
    if (end - start <= CODES_PER_CALL) return String.fromCharCode.apply(null, this.#codes.subarray(start, end) as unknown as number[])
    let id = ''
    for (let at = start; at < end; at += CODES_PER_CALL) {
      id += String.fromCharCode.apply(null, this.#codes.subarray(at, Math.min(end, at + CODES_PER_CALL)) as unknown as number[])
    }
    return id
  }

  /** Every id as a string, made once on first call (a million strings: for rare uses such as a genre catalogue). */
  ids (): readonly string[] {
    this.#ids ??= Array.from({ length: this.size }, (_, i) => this.id(i))
    return this.#ids
  }

  /** For handing the map to another thread (in shared memory: shareLarge). */
  parts (): PackedIdsParts {
    return { codes: this.#codes, ends: this.#ends, table: this.#table }
  }

  /** Whether the code units from `start` are those of `id` (its length already matched). */
  #holds (id: string, start: number): boolean {
    const codes = this.#codes
    for (let j = 0; j < id.length; j++) if (codes[start + j] !== id.charCodeAt(j)) return false
    return true
  }
}

function hash (id: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193)
  return h >>> 0
}
