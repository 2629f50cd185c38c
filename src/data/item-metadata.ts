import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { DataFormatError, DataNotFoundError } from './interaction-reader.js'

/** What /recommend can filter on and include: a title and genres per item id. */
export interface ItemInfo {
  title?: string
  genres: string[]
}

export type ItemMetadataFormat = 'uitem' | 'movies' | 'jsonl'

/** MovieLens-100K's u.genre, in flag order; read from the file beside u.item when it is there. */
const UITEM_GENRES = ['unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama',
  'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western']

/**
 * Reads item metadata: MovieLens-100K `u.item` and MovieLens-1M `movies.dat` (both Latin-1), or
 * JSON Lines `{"itemId", "title"?, "genres"?}` (UTF-8). A directory resolves to the file inside it.
 */
export async function readItemMetadata (path: string, options: { format?: 'auto' | ItemMetadataFormat } = {}): Promise<{ items: Map<string, ItemInfo>, format: ItemMetadataFormat, file: string }> {
  const file = await resolveFile(path)
  const format = options.format === undefined || options.format === 'auto' ? await detect(file) : options.format
  const genreNames = format === 'uitem' ? await uitemGenres(file) : []
  const items = new Map<string, ItemInfo>()
  const input = createReadStream(file, { encoding: format === 'jsonl' ? 'utf8' : 'latin1' })
  let lineNumber = 0
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    lineNumber++
    const line = raw.replace(/\r$/, '')
    if (line.trim() === '') continue
    const parsed = PARSERS[format](line, genreNames)
    if (typeof parsed === 'string') throw new DataFormatError(file, lineNumber, parsed)
    if (items.has(parsed.itemId)) throw new DataFormatError(file, lineNumber, `item ${JSON.stringify(parsed.itemId)} appears twice`)
    items.set(parsed.itemId, parsed.info)
  }
  return { items, format, file }
}

type Parsed = { itemId: string, info: ItemInfo } | string

const PARSERS: Record<ItemMetadataFormat, (line: string, genreNames: readonly string[]) => Parsed> = {
  uitem (line, genreNames) {
    const fields = line.split('|')
    if (fields.length < 5 + genreNames.length) return `expected ${5 + genreNames.length} fields separated by |, got ${fields.length}`
    const flags = fields.slice(fields.length - genreNames.length)
    if (!flags.every((f) => f === '0' || f === '1')) return 'genre flags must be 0 or 1'
    const genres = genreNames.filter((name, i) => flags[i] === '1' && name !== 'unknown')
    return item(fields[0], fields[1], genres)
  },
  movies (line) {
    const fields = line.split('::')
    if (fields.length !== 3) return `expected id::title::genres, got ${fields.length} fields`
    return item(fields[0], fields[1], fields[2] === '' ? [] : fields[2].split('|'))
  },
  jsonl (line) {
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      return 'not valid JSON'
    }
    const { itemId, title, genres } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
    if (typeof itemId !== 'string' && typeof itemId !== 'number') return 'itemId must be a string'
    if (title !== undefined && typeof title !== 'string') return 'title must be a string'
    if (genres !== undefined && !(Array.isArray(genres) && genres.every((g) => typeof g === 'string'))) return 'genres must be an array of strings'
    return item(String(itemId), title, genres ?? [])
  }
}

function item (itemId: string, title: string | undefined, genres: readonly string[]): Parsed {
  if (itemId.trim() === '') return 'item id is empty'
  const info: ItemInfo = { genres: [...new Set(genres.map((g) => g.trim()).filter((g) => g !== ''))] }
  if (title !== undefined && title !== '') info.title = title
  return { itemId: itemId.trim(), info }
}

async function uitemGenres (file: string): Promise<string[]> {
  try {
    const text = await readFile(join(dirname(file), 'u.genre'), 'latin1')
    const byIndex: string[] = []
    for (const line of text.split('\n')) {
      const [name, index] = line.trim().split('|')
      if (name !== undefined && name !== '' && /^\d+$/.test(index ?? '')) byIndex[Number(index)] = name
    }
    if (byIndex.length > 0 && !byIndex.includes(undefined as unknown as string)) return byIndex
  } catch {}
  return UITEM_GENRES
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
    try {
      if ((await stat(join(path, name))).isFile()) return join(path, name)
    } catch {}
  }
  throw new DataNotFoundError(`${path} holds none of u.item, movies.dat, items.jsonl`)
}

async function detect (file: string): Promise<ItemMetadataFormat> {
  const name = basename(file)
  if (name === 'u.item') return 'uitem'
  if (name === 'movies.dat') return 'movies'
  if (/\.jsonl?$/.test(name)) return 'jsonl'
  const first = (await readFile(file, 'latin1')).split('\n').find((l) => l.trim() !== '') ?? ''
  if (first.trimStart().startsWith('{')) return 'jsonl'
  if (first.includes('::')) return 'movies'
  if (first.includes('|')) return 'uitem'
  throw new DataFormatError(file, 1, 'unknown item metadata format: expected u.item, movies.dat or JSON Lines')
}
