import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type * as Usearch from 'usearch'
import type { AnnParams } from './ann-params.js'
import { mipsItems } from './mips.js'
import { removeIndexFile, writeIndexFile, type IndexFile } from './index-file.js'

// usearch's ES module build never finishes loading in a worker thread (the training thread builds
// indexes when it saves a large student): its CommonJS build, the same native binding, does
const { BatchMatches, Index, MetricKind, ScalarKind } = createRequire(import.meta.url)('usearch') as typeof Usearch
type UsearchIndex = Usearch.Index

/** usearch HNSW in L2 over the MIPS transform (see ann-params.ts for why). */
export const ANN_DEFAULTS: Readonly<{ connectivity: number, expansionAdd: number }> = { connectivity: 16, expansionAdd: 64 }

/** Candidates a search explores by default (HNSW's ef; usearch explores at least the k asked for): serving's MIN_FETCH (ann-ranker.ts). */
const MIN_EXPANSION_SEARCH = 64

/** Builds the index over a row-major [numItems, width] item matrix; item i gets key i. Blocks its thread. */
export function buildAnnIndex (matrix: Float32Array, width: number, options: Partial<typeof ANN_DEFAULTS> & { threads?: number } = {}): { bytes: Uint8Array, params: AnnParams } {
  const params: AnnParams = {
    library: 'usearch',
    metric: 'l2sq-mips',
    dimensions: width + 1,
    connectivity: options.connectivity ?? ANN_DEFAULTS.connectivity,
    expansionAdd: options.expansionAdd ?? ANN_DEFAULTS.expansionAdd
  }
  const n = matrix.length / width
  const index = newIndex(params, MIN_EXPANSION_SEARCH)
  if (n > 0) index.add(BigUint64Array.from({ length: n }, (_, i) => BigInt(i)), mipsItems(matrix, width).vectors, options.threads ?? 0)
  return { bytes: viaFile((path) => { index.save(path); return readFileSync(path) }), params }
}

/**
 * A loaded index, searched with serving vectors (the transform's 0 is appended here). Open only
 * bytes whose checksum was verified: usearch trusts the file it reads. The bytes are written to a
 * private temp file without blocking and memory-mapped (usearch `view`): a 1,000,000-item index
 * (220 MB) is neither parsed nor copied on the event loop; the file goes with `dispose()`.
 */
export class AnnIndex {
  readonly params: AnnParams
  readonly size: number
  /** The file it is memory-mapped from (opened by `open` or `view`); undefined when held in memory. */
  readonly file: string | undefined
  readonly expansionSearch: number
  #index: UsearchIndex | undefined
  /** `deferred`: the view is made on the first search on this thread. */
  #viewLater = false
  /** The temp file this index owns (from `open` or `map`), removed with it; a `view` owns none. */
  readonly #owned: IndexFile | undefined

  /** Opens in memory, blocking its thread (tests, benches); serving uses `open` or `map`. */
  constructor (bytes: Uint8Array | { mapped: UsearchIndex, file: string, owned?: IndexFile } | { file: string, owned: IndexFile, size: number }, params: AnnParams, expansionSearch = MIN_EXPANSION_SEARCH) {
    this.params = params
    this.expansionSearch = expansionSearch
    if (!(bytes instanceof Uint8Array) && !('mapped' in bytes)) {
      this.file = bytes.file
      this.#owned = bytes.owned
      this.size = bytes.size
      this.#viewLater = true
      return
    }
    let index: UsearchIndex
    if (bytes instanceof Uint8Array) {
      index = newIndex(params, expansionSearch)
      viaFile((path) => { writeFileSync(path, bytes); index.load(path) })
    } else {
      index = bytes.mapped
      this.file = bytes.file
      this.#owned = bytes.owned
    }
    if (index.dimensions() !== params.dimensions) {
      this.#removeFile()
      throw new RangeError(`the index is ${index.dimensions()} wide, its manifest says ${params.dimensions}`)
    }
    this.size = index.size()
    this.#index = index
  }

  /** Memory-maps verified bytes from a temp file written asynchronously (see the class comment). */
  static async open (bytes: Uint8Array, params: AnnParams, expansionSearch = MIN_EXPANSION_SEARCH): Promise<AnnIndex> {
    return AnnIndex.map(await writeIndexFile(bytes), params, expansionSearch)
  }

  /**
   * Memory-maps a temp file of verified bytes (written by `writeIndexFile`, e.g. in a loading
   * thread); the index owns the file from here, and removes it when disposed or when it cannot be mapped.
   */
  static map (file: IndexFile, params: AnnParams, expansionSearch = MIN_EXPANSION_SEARCH): AnnIndex {
    let mapped: UsearchIndex
    try {
      mapped = newIndex(params, expansionSearch)
      mapped.view(file.path)
    } catch (err) {
      removeIndexFile(file).catch(() => {})
      throw err
    }
    return new AnnIndex({ mapped, file: file.path, owned: file }, params, expansionSearch)
  }

  /**
   * Opens a temp file of verified bytes as `map` does, to check it (usearch reads its header and
   * walks its nodes: about 65 ms at 1,000,000 items), and returns its size, dropping the view: a
   * loading thread checks the index that `deferred` then serves. Throws (and removes the file) when
   * it cannot be opened or is not `params.dimensions` wide.
   */
  static check (file: IndexFile, params: AnnParams): number {
    try {
      const mapped = newIndex(params, MIN_EXPANSION_SEARCH)
      mapped.view(file.path)
      if (mapped.dimensions() !== params.dimensions) throw new RangeError(`the index is ${mapped.dimensions()} wide, its manifest says ${params.dimensions}`)
      return mapped.size()
    } catch (err) {
      removeIndexFile(file).catch(() => {})
      throw err
    }
  }

  /**
   * An index `check` opened in another thread (a loading thread), memory-mapped here only on its
   * first search: a served index is searched by its search thread (AnnThread, a view of its own),
   * so the serving thread does not spend the view's time on a swap unless it must search itself.
   * Owns the file as `map` does.
   */
  static deferred (file: IndexFile, params: AnnParams, size: number, expansionSearch = MIN_EXPANSION_SEARCH): AnnIndex {
    return new AnnIndex({ file: file.path, owned: file, size }, params, expansionSearch)
  }

  /** Memory-maps a verified index file another AnnIndex owns (a search thread's view): the file stays where it is. */
  static view (file: string, params: AnnParams, expansionSearch = MIN_EXPANSION_SEARCH): AnnIndex {
    const mapped = newIndex(params, expansionSearch)
    mapped.view(file)
    return new AnnIndex({ mapped, file }, params, expansionSearch)
  }

  /**
   * The `fetch` nearest items of each of `count` query rows packed in `queries` (serving width,
   * row-major): keys[r * fetch + j] for j < counts[r].
   */
  search (queries: Float32Array, count: number, fetch: number, threads = 1): { keys: BigUint64Array, counts: BigUint64Array, fetch: number } {
    if (this.#viewLater) {
      this.#viewLater = false
      this.#index = newIndex(this.params, this.expansionSearch)
      this.#index.view(this.file!)
    }
    if (this.#index === undefined) throw new Error('the ANN index is disposed')
    const width = this.params.dimensions - 1
    const rows = new Float32Array(count * this.params.dimensions)
    for (let r = 0; r < count; r++) rows.set(queries.subarray(r * width, (r + 1) * width), r * this.params.dimensions)
    const k = Math.min(fetch, this.size)
    if (k === 0 || count === 0) return { keys: new BigUint64Array(0), counts: new BigUint64Array(count), fetch: k }
    const found = this.#index.search(rows, k, threads)
    // a single row comes back as Matches (no counts)
    if (found instanceof BatchMatches) return { keys: found.keys, counts: found.counts, fetch: k }
    return { keys: found.keys, counts: BigUint64Array.of(BigInt(found.keys.length)), fetch: k }
  }

  /** The native index is freed when collected (a mapped file stays readable until then); after this no search runs on it. */
  dispose (): void {
    this.#index = undefined
    this.#viewLater = false
    this.#removeFile()
  }

  #removeFile (): void {
    // off the loop: unlinking a 1,000,000-item index's file is a large unlink
    if (this.#owned !== undefined) removeIndexFile(this.#owned).catch(() => {})
  }
}

function newIndex (params: AnnParams, expansionSearch: number): UsearchIndex {
  return new Index({
    metric: MetricKind.L2sq,
    dimensions: params.dimensions,
    quantization: ScalarKind.F32,
    connectivity: params.connectivity,
    expansion_add: params.expansionAdd,
    expansion_search: expansionSearch,
    multi: false
  })
}

/** usearch saves and loads by path only. */
function viaFile<T> (use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'distillrec-ann-'))
  try {
    return use(join(dir, 'index.usearch'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
