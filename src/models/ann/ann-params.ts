import { invalid } from '../artifact/artifact-error.js'

/**
 * How a version's ANN index was built: recorded in its manifest and checked on load. usearch HNSW
 * in L2 over the MIPS transform (mips.ts): bench/ann-libraries.ts measured recall@10 0.998 for it
 * against 0.11 for usearch's own inner-product graph on student-shaped vectors (100,000 items).
 * Apart from ann-index.ts so that manifests are read without loading the native library.
 */
export interface AnnParams {
  library: 'usearch'
  metric: 'l2sq-mips'
  /** Index width: the serving width plus the transform's column. */
  dimensions: number
  /** Graph degree (HNSW's M). */
  connectivity: number
  /** Candidate list while building (HNSW's efConstruction). */
  expansionAdd: number
}

/**
 * Catalogues from this size are served from the ANN index (with exact re-ranking); smaller ones
 * are scored exactly. config.ts's ANN_MIN_ITEMS defaults to the same number (see README for the
 * measurements it comes from).
 */
export const ANN_MIN_ITEMS_DEFAULT = 20_000

/** The manifest's record of `ann.bin`. */
export interface AnnManifest {
  file: 'ann.bin'
  bytes: number
  sha256: string
  params: AnnParams
}

export function parseAnnManifest (raw: unknown, file: string): AnnManifest {
  const a = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : null) as Record<string, unknown> | null
  if (a === null) throw invalid(file, 'ann is not an object')
  if (a.file !== 'ann.bin') throw invalid(file, `ann.file is ${JSON.stringify(a.file)}, expected "ann.bin"`)
  if (!Number.isSafeInteger(a.bytes) || (a.bytes as number) <= 0) throw invalid(file, 'ann.bytes is not a positive integer')
  if (typeof a.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(a.sha256)) throw invalid(file, 'ann.sha256 is not 64 lowercase hex digits')
  const p = (typeof a.params === 'object' && a.params !== null ? a.params : {}) as Record<string, unknown>
  if (p.library !== 'usearch' || p.metric !== 'l2sq-mips') throw invalid(file, `ann.params names ${JSON.stringify(p.library)} ${JSON.stringify(p.metric)}, expected usearch l2sq-mips`)
  for (const key of ['dimensions', 'connectivity', 'expansionAdd'] as const) {
    if (!Number.isSafeInteger(p[key]) || (p[key] as number) < 1) throw invalid(file, `ann.params.${key} is not a positive integer`)
  }
  return {
    file: 'ann.bin',
    bytes: a.bytes as number,
    sha256: a.sha256,
    params: { library: 'usearch', metric: 'l2sq-mips', dimensions: p.dimensions as number, connectivity: p.connectivity as number, expansionAdd: p.expansionAdd as number }
  }
}
