import { readFile } from 'node:fs/promises'
import type { IdMap } from '../data/id-map.js'

/**
 * How a model trained elsewhere numbers the items: per dense item index of the data, the token
 * its input uses and the column of its output that scores it; -1 where the model lacks the item.
 * Token 0 is padding.
 */
export interface ItemMap {
  tokens: Int32Array
  columns: Int32Array
}

export interface ReadItemMap {
  map: ItemMap
  /** Items of the data the file maps. */
  mapped: number
  /** Ids in the file that the data does not have (skipped). */
  unknownIds: string[]
}

/** A malformed item map; the message names the file, line or entry and the reason. */
export class ItemMapError extends Error {
  readonly code = 'ITEM_MAP_INVALID'

  constructor (message: string) {
    super(message)
    this.name = 'ItemMapError'
  }
}

const ID_FIELDS = ['item_id', 'itemId', 'item', 'id'] as const

/**
 * Reads an item map, in any of these forms:
 *  - CSV or TSV with a header naming the id (`item_id`, `itemId`, `item` or `id`), `token` and,
 *    optionally, `column`: `item_id,token,column` then `i12,13,12`;
 *  - JSON: an array of `{"itemId": "i12", "token": 13, "column": 12}`, or an object from id to
 *    token (`{"i12": 13}`) or to `{"token": 13, "column": 12}`.
 * `column` defaults to token - 1 (padding 0 takes no output column). Tokens are integers from 1,
 * columns from 0; an id, token or column may appear once.
 */
export async function readItemMap (path: string, items: IdMap): Promise<ReadItemMap> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ItemMapError(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
  const entries = text.trimStart().startsWith('[') || text.trimStart().startsWith('{') ? jsonEntries(text, path) : delimitedEntries(text, path)
  const map: ItemMap = { tokens: new Int32Array(items.size).fill(-1), columns: new Int32Array(items.size).fill(-1) }
  const ids = new Set<string>()
  const tokens = new Set<number>()
  const columns = new Set<number>()
  const unknownIds: string[] = []
  let mapped = 0
  for (const { id, token, column: given, where } of entries) {
    const column = given ?? token - 1
    if (!Number.isSafeInteger(token) || token < 1) throw new ItemMapError(`${path}: ${where}: token ${String(token)} is not an integer of at least 1 (0 is padding)`)
    if (!Number.isSafeInteger(column) || column < 0) throw new ItemMapError(`${path}: ${where}: column ${String(column)} is not an integer of at least 0`)
    if (ids.has(id)) throw new ItemMapError(`${path}: ${where}: item ${JSON.stringify(id)} appears twice`)
    if (tokens.has(token)) throw new ItemMapError(`${path}: ${where}: token ${token} is given to two items`)
    if (columns.has(column)) throw new ItemMapError(`${path}: ${where}: column ${column} is given to two items`)
    ids.add(id)
    tokens.add(token)
    columns.add(column)
    const index = items.index(id)
    if (index === undefined) {
      unknownIds.push(id)
      continue
    }
    map.tokens[index] = token
    map.columns[index] = column
    mapped++
  }
  if (entries.length === 0) throw new ItemMapError(`${path}: maps no item`)
  return { map, mapped, unknownIds }
}

interface Entry { id: string, token: number, column?: number, where: string }

function jsonEntries (text: string, path: string): Entry[] {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new ItemMapError(`${path}: not valid JSON`)
  }
  if (Array.isArray(raw)) {
    return raw.map((row: unknown, i) => {
      const where = `entry ${i}`
      if (typeof row !== 'object' || row === null) throw new ItemMapError(`${path}: ${where}: not an object`)
      const r = row as Record<string, unknown>
      const field = ID_FIELDS.find((f) => r[f] !== undefined)
      if (field === undefined || (typeof r[field] !== 'string' && typeof r[field] !== 'number')) throw new ItemMapError(`${path}: ${where}: no item id (${ID_FIELDS.join(', ')})`)
      return { id: String(r[field]), token: number(r.token, path, where, 'token'), column: r.column === undefined ? undefined : number(r.column, path, where, 'column'), where }
    })
  }
  if (typeof raw !== 'object' || raw === null) throw new ItemMapError(`${path}: neither an array of entries nor an object from item id to token`)
  return Object.entries(raw as Record<string, unknown>).map(([id, value]) => {
    const where = `item ${JSON.stringify(id)}`
    if (typeof value === 'number') return { id, token: value, where }
    if (typeof value !== 'object' || value === null) throw new ItemMapError(`${path}: ${where}: neither a token nor {"token", "column"}`)
    const v = value as Record<string, unknown>
    return { id, token: number(v.token, path, where, 'token'), column: v.column === undefined ? undefined : number(v.column, path, where, 'column'), where }
  })
}

function delimitedEntries (text: string, path: string): Entry[] {
  const lines = text.split(/\r?\n/)
  const header = lines[0] ?? ''
  const delimiter = header.includes('\t') ? '\t' : ','
  const names = header.split(delimiter).map((n) => n.trim())
  const idAt = names.findIndex((n) => (ID_FIELDS as readonly string[]).includes(n))
  const tokenAt = names.indexOf('token')
  const columnAt = names.indexOf('column')
  if (idAt < 0 || tokenAt < 0) throw new ItemMapError(`${path}:1: the header must name the item id (${ID_FIELDS.join(', ')}) and token (and optionally column), got ${JSON.stringify(header)}`)
  const entries: Entry[] = []
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === '') return
    const where = `line ${i + 2}`
    const cells = line.split(delimiter).map((c) => c.trim())
    if (cells.length !== names.length) throw new ItemMapError(`${path}: ${where}: ${cells.length} fields, the header has ${names.length}`)
    entries.push({
      id: cells[idAt],
      token: number(cells[tokenAt], path, where, 'token'),
      column: columnAt < 0 || cells[columnAt] === '' ? undefined : number(cells[columnAt], path, where, 'column'),
      where
    })
  })
  return entries
}

function number (value: unknown, path: string, where: string, field: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new ItemMapError(`${path}: ${where}: ${field} ${JSON.stringify(value)} is not a number`)
  return n
}

/** The project's own numbering, for a model trained against it: token = index + 1, column = index. */
export function projectItemMap (numItems: number): ItemMap {
  return {
    tokens: Int32Array.from({ length: numItems }, (_, i) => i + 1),
    columns: Int32Array.from({ length: numItems }, (_, i) => i)
  }
}
