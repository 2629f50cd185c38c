import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { DataFormatError, DataNotFoundError } from './interaction-reader.js'

/** What /recommend can filter on and include: a title and genres per item id. */
export interface ItemInfo {
  title?: string
  genres: string[]
}

export type ItemMetadataFormat = 'uitem' | 'movies' | 'jsonl'

/** MovieLens-100K's u.genre, in flag order, for a u.item that ships without it. */
const UITEM_GENRES = ['unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama',
  'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western']

/**
 * Reads item metadata: MovieLens-100K `u.item` and MovieLens-1M `movies.dat` (both Latin-1, as
 * GroupLens ships them), or JSON Lines `{"itemId", "title"?, "genres"?}` (UTF-8). Ids are kept as
 * written, untrimmed, so they match the ids the interaction reader produces.
 */
export async function readItemMetadata (path: string, options: { format?: 'auto' | ItemMetadataFormat } = {}): Promise<{ items: Map<string, ItemInfo>, format: ItemMetadataFormat, file: string }> {
  const file = await resolveFile(path)
  const format = options.format === undefined || options.format === 'auto' ? await detect(file) : options.format
  const genreNames = format === 'uitem' ? await uitemGenres(file) : []
  const items = new Map<string, ItemInfo>()
  for await (const { line, number } of lines(file, format === 'jsonl' ? 'utf8' : 'latin1')) {
    const parsed = PARSERS[format](line, genreNames)
    if (typeof parsed === 'string') throw new DataFormatError(file, number, parsed)
    if (items.has(parsed.itemId)) throw new DataFormatError(file, number, `item ${JSON.stringify(parsed.itemId)} appears twice`)
    items.set(parsed.itemId, parsed.info)
  }
  return { items, format, file }
}

type Parsed = { itemId: string, info: ItemInfo } | string

const PARSERS: Record<ItemMetadataFormat, (line: string, genreNames: readonly string[]) => Parsed> = {
  uitem (line, genreNames) {
    const fields = line.split('|')
    const flagsAt = fields.length - genreNames.length
    if (flagsAt < 5) return `expected ${5 + genreNames.length} fields separated by |, got ${fields.length}`
    const flags = fields.slice(flagsAt)
    if (!flags.every((f) => f === '0' || f === '1')) return 'genre flags must be 0 or 1'
    // "unknown" means no genre; kept, it would be a filter that matches exactly the unlabelled items.
    const genres = genreNames.filter((name, i) => flags[i] === '1' && name.toLowerCase() !== 'unknown')
    // Flags are counted from the end, so a title holding a | loses nothing.
    return item(fields[0], fields.slice(1, flagsAt - 3).join('|'), genres)
  },
  movies (line) {
    const fields = line.split('::')
    if (fields.length !== 3) return `expected id::title::genres, got ${fields.length} fields`
    // Later MovieLens releases in this layout write the placeholder where an item has no genre.
    return item(fields[0], fields[1], fields[2] === '(no genres listed)' ? [] : fields[2].split('|'))
  },
  jsonl (line) {
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      return 'not valid JSON'
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected a JSON object'
    const { itemId, title, genres } = value as Record<string, unknown>
    if (typeof itemId !== 'string' && !(typeof itemId === 'number' && Number.isFinite(itemId))) return 'itemId must be a string or a number'
    if (title != null && typeof title !== 'string') return 'title must be a string'
    if (genres != null && !(Array.isArray(genres) && genres.every((g) => typeof g === 'string'))) return 'genres must be an array of strings'
    return item(String(itemId), title ?? undefined, genres ?? [])
  }
}

function item (itemId: string, title: string | undefined, genres: readonly string[]): Parsed {
  if (itemId.trim() === '') return 'item id is empty'
  const info: ItemInfo = { genres: [...new Set(genres.map((g) => g.trim()).filter((g) => g !== ''))] }
  const trimmed = title?.trim()
  if (trimmed !== undefined && trimmed !== '') info.title = trimmed
  return { itemId, info }
}

/** Genre names by flag index; a u.genre that is present but broken is an error, not a fallback. */
async function uitemGenres (file: string): Promise<string[]> {
  const genreFile = join(dirname(file), 'u.genre')
  if (!(await isFile(genreFile))) return UITEM_GENRES
  const byIndex = new Map<number, string>()
  let last = 1
  for await (const { line, number } of lines(genreFile, 'latin1')) {
    last = number
    const [name, index, extra] = line.split('|')
    if (extra !== undefined || name.trim() === '' || !/^\d+$/.test(index ?? '')) throw new DataFormatError(genreFile, number, 'expected name|index')
    if (byIndex.has(Number(index))) throw new DataFormatError(genreFile, number, `index ${index} appears twice`)
    byIndex.set(Number(index), name.trim())
  }
  const names = Array.from({ length: byIndex.size }, (_, i) => byIndex.get(i))
  const gap = byIndex.size === 0 ? 0 : names.indexOf(undefined)
  if (gap >= 0) throw new DataFormatError(genreFile, last, `genre indices must run from 0 with no gaps; ${gap} is missing`)
  return names as string[]
}

async function resolveFile (path: string): Promise<string> {
  let info
  try {
    info = await stat(path)
  } catch {
    throw new DataNotFoundError(`no item metadata file or directory at ${path}`)
  }
  if (!info.isDirectory()) return path
  for (const name of ['u.item', 'movies.dat', 'items.jsonl']) {
    if (await isFile(join(path, name))) return join(path, name)
  }
  throw new DataNotFoundError(`${path} holds none of u.item, movies.dat, items.jsonl`)
}

async function isFile (path: string): Promise<boolean> {
  return await stat(path).then((s) => s.isFile(), () => false)
}

async function detect (file: string): Promise<ItemMetadataFormat> {
  const name = basename(file)
  if (name === 'u.item') return 'uitem'
  if (name === 'movies.dat') return 'movies'
  if (/\.jsonl?$/.test(name)) return 'jsonl'
  // Only the marks below are looked at, all ASCII, so the first line decodes the same either way.
  const all = lines(file, 'utf8')
  const first = (await all.next()).value
  await all.return(undefined)
  if (first === undefined) throw new DataFormatError(file, 1, 'empty file: nothing to tell the item metadata format from')
  if (first.line.trimStart().startsWith('{')) return 'jsonl'
  if (first.line.includes('::')) return 'movies'
  if (first.line.includes('|')) return 'uitem'
  throw new DataFormatError(file, first.number, 'unknown item metadata format: expected u.item, movies.dat or JSON Lines')
}

/** Non-blank lines with their 1-based numbers; the file is closed even when the caller stops early. */
async function * lines (file: string, encoding: 'utf8' | 'latin1'): AsyncGenerator<{ line: string, number: number }> {
  const input = createReadStream(file, { encoding })
  const reader = createInterface({ input, crlfDelay: Infinity })
  let number = 0
  try {
    for await (const raw of reader) {
      number++
      let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
      if (number === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1)
      if (line.trim() !== '') yield { line, number }
    }
  } finally {
    reader.close()
    input.destroy()
  }
}
