import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Interaction } from './dataset.js'

/**
 * Reads interaction logs in the layouts public recommendation datasets ship in:
 * - `udata`: MovieLens-100K `u.data`, `user<TAB>item<TAB>rating<TAB>timestamp`
 * - `ml1m`: MovieLens-1M `ratings.dat`, `user::item::rating::timestamp`
 * - `pairs`: SASRec layout, `user item` per line in time order; ts = 1-based line number
 * - `jsonl`: `{"userId", "itemId", "ts"?}` per line; a missing ts becomes the line number
 * Ids stay strings. The file is streamed line by line, so a 1M-line log reads in about a second.
 */
export const INTERACTION_FORMATS = ['udata', 'ml1m', 'pairs', 'jsonl'] as const
export type InteractionFormat = typeof INTERACTION_FORMATS[number]
/** What `--format` and DATA_FORMAT accept: a format, or `auto` (by file name, then content). */
export const DATA_FORMATS = ['auto', ...INTERACTION_FORMATS] as const
export type DataFormat = typeof DATA_FORMATS[number]

export interface ReadInteractionsOptions {
  format?: DataFormat
  /** Skip and count malformed lines instead of throwing. */
  skipBad?: boolean
}

export interface ReadInteractionsResult {
  interactions: Interaction[]
  skipped: number
  format: InteractionFormat
  /** The file actually read (resolved when `path` was a directory). */
  file: string
}

export class DataFormatError extends Error {
  readonly code = 'DATA_FORMAT'
  constructor (readonly file: string, readonly line: number, readonly reason: string) {
    super(`${file}:${line}: ${reason}`)
    this.name = 'DataFormatError'
  }
}

export class DataNotFoundError extends Error {
  readonly code = 'DATA_NOT_FOUND'
  constructor (message: string) {
    super(message)
    this.name = 'DataNotFoundError'
  }
}

/** A parsed interaction, or the reason the line is malformed. */
type LineParser = (line: string, lineNumber: number) => Interaction | string

export async function readInteractions (path: string, options: ReadInteractionsOptions = {}): Promise<ReadInteractionsResult> {
  const file = await resolveFile(path)
  const skipBad = options.skipBad ?? false
  let format: InteractionFormat | undefined =
    options.format === undefined || options.format === 'auto' ? formatFromName(file) : options.format
  let parse = format === undefined ? undefined : PARSERS[format]
  const interactions: Interaction[] = []
  let skipped = 0
  let lineNumber = 0

  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })
  try {
    for await (const raw of lines) {
      lineNumber++
      const line = lineNumber === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw
      if (line.trim() === '') continue
      if (parse === undefined) {
        format = formatFromLine(line)
        if (format === undefined) throw new DataFormatError(file, lineNumber, 'cannot detect the format from this line')
        parse = PARSERS[format]
      }
      const result = parse(line, lineNumber)
      if (typeof result === 'string') {
        if (!skipBad) throw new DataFormatError(file, lineNumber, result)
        skipped++
      } else {
        interactions.push(result)
      }
    }
  } finally {
    lines.close()
  }
  // An empty file has no line to detect from; it holds no interactions in any format.
  return { interactions, skipped, format: format ?? 'pairs', file }
}

const DIRECTORY_CHOICES = 'u.data, ratings.dat, a single *.pairs.txt or a single *.jsonl'

async function resolveFile (path: string): Promise<string> {
  let info
  try {
    info = await stat(path)
  } catch {
    throw new DataNotFoundError(`no file or directory at ${path}`)
  }
  if (!info.isDirectory()) return path
  const names = (await readdir(path)).sort()
  for (const name of ['u.data', 'ratings.dat']) {
    if (names.includes(name)) return join(path, name)
  }
  for (const suffix of ['.pairs.txt', '.jsonl']) {
    const matches = names.filter((name) => name.endsWith(suffix))
    if (matches.length === 1) return join(path, matches[0])
    if (matches.length > 1) {
      throw new DataNotFoundError(`${path} holds several *${suffix} files (${matches.join(', ')}); pass one of them`)
    }
  }
  throw new DataNotFoundError(`${path} holds none of ${DIRECTORY_CHOICES}`)
}

function formatFromName (file: string): InteractionFormat | undefined {
  const name = basename(file)
  if (name === 'u.data' || name.endsWith('.data')) return 'udata'
  if (name === 'ratings.dat' || name.endsWith('.dat')) return 'ml1m'
  if (name.endsWith('.pairs.txt')) return 'pairs'
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'jsonl'
  return undefined
}

function formatFromLine (line: string): InteractionFormat | undefined {
  const text = line.trim()
  if (text.startsWith('{')) return 'jsonl'
  if (text.includes('::')) return 'ml1m'
  if (text.split('\t').length === 4) return 'udata'
  if (text.split(/\s+/).length === 2) return 'pairs'
  return undefined
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

function parseRatingLine (line: string, separator: string, label: string): Interaction | string {
  // Trim spaces only: a leading or trailing tab is an empty field, not padding.
  const fields = line.replace(/^ +| +$/g, '').split(separator)
  if (fields.length !== 4) return `expected 4 ${label} fields, got ${fields.length}`
  const [userId, itemId, rating, ts] = fields
  if (userId === '' || itemId === '') return 'empty user or item id'
  if (!NUMBER.test(rating)) return `rating '${rating}' is not a number`
  if (!NUMBER.test(ts)) return `timestamp '${ts}' is not a number`
  return { userId, itemId, ts: Number(ts) }
}

function parsePairsLine (line: string, lineNumber: number): Interaction | string {
  const text = line.trim()
  const space = text.indexOf(' ')
  // Fast path for the canonical single-space layout; anything else goes through the general split.
  if (space > 0 && text.indexOf(' ', space + 1) === -1 && text.indexOf('\t') === -1) {
    return { userId: text.slice(0, space), itemId: text.slice(space + 1), ts: lineNumber }
  }
  const fields = text.split(/\s+/)
  if (fields.length !== 2) return `expected 2 whitespace-separated fields (user item), got ${fields.length}`
  return { userId: fields[0], itemId: fields[1], ts: lineNumber }
}

function parseJsonLine (line: string, lineNumber: number): Interaction | string {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return 'invalid JSON'
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected a JSON object'
  const record = value as Record<string, unknown>
  const userId = idField(record.userId)
  if (userId === undefined) return 'userId must be a non-empty string or a number'
  const itemId = idField(record.itemId)
  if (itemId === undefined) return 'itemId must be a non-empty string or a number'
  if (record.ts === undefined || record.ts === null) return { userId, itemId, ts: lineNumber }
  if (typeof record.ts !== 'number' || !Number.isFinite(record.ts)) return 'ts must be a finite number'
  return { userId, itemId, ts: record.ts }
}

function idField (value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

const PARSERS: Record<InteractionFormat, LineParser> = {
  udata: (line) => parseRatingLine(line, '\t', 'tab-separated'),
  ml1m: (line) => parseRatingLine(line, '::', '::-separated'),
  pairs: parsePairsLine,
  jsonl: parseJsonLine
}
