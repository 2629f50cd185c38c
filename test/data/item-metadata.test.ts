import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DataFormatError, DataNotFoundError } from '../../src/data/interaction-reader.js'
import { readItemMetadata } from '../../src/data/item-metadata.js'

let dir: string

/** Writes `content` (a string is encoded as Latin-1, as MovieLens ships) under a fresh temp dir. */
async function file (name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name)
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(path, typeof content === 'string' ? Buffer.from(content, 'latin1') : content)
  return path
}

const flags = (...on: number[]): string => Array.from({ length: 19 }, (_, i) => on.includes(i) ? '1' : '0').join('|')

async function rejectsAt (promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DataFormatError, `not a DataFormatError: ${String(error)}`)
    assert.equal(error.code, 'DATA_FORMAT')
    assert.match(error.message, pattern)
    return true
  })
}

describe('readItemMetadata', () => {
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'distillrec-items-')) })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  it('reads MovieLens-100K u.item in Latin-1, genres from the flags, "unknown" dropped', async () => {
    const path = await file('ml100k/u.item', `1|Toy Story (1995)|01-Jan-1995||http://x|${flags(3, 4, 5)}\n` +
      `2|Caf\xe9 Society (1996) |||http://y|${flags(0)}\n`)
    const { items, format, file: read } = await readItemMetadata(path)
    assert.equal(format, 'uitem')
    assert.equal(read, path)
    assert.deepEqual([...items.keys()], ['1', '2'])
    assert.deepEqual(items.get('1'), { title: 'Toy Story (1995)', genres: ['Animation', "Children's", 'Comedy'] })
    assert.deepEqual(items.get('2'), { title: 'Café Society (1996)', genres: [] })
  })

  it('takes genre names from u.genre beside u.item when it is there', async () => {
    await file('genre/u.genre', Array.from({ length: 19 }, (_, i) => `G${i === 1 ? '\xe9' : i}|${i}`).join('\n') + '\n\n')
    const path = await file('genre/u.item', `7|Seven|||u|${flags(1, 2, 18)}\n`)
    assert.deepEqual((await readItemMetadata(path)).items.get('7')?.genres, ['Gé', 'G2', 'G18'])
  })

  it('rejects a u.genre that skips an index rather than mislabel every flag', async () => {
    await file('gap/u.genre', 'unknown|0\nAction|2\n')
    const path = await file('gap/u.item', '1|One|||u|0|1|0\n')
    await rejectsAt(readItemMetadata(path), /u\.genre:2: .*1 is missing/)
    await file('huge/u.genre', 'unknown|0\nAction|4000000000\n')
    await rejectsAt(readItemMetadata(await file('huge/u.item', '1|One|||u|0|1\n')), /u\.genre:2: .*1 is missing/)
  })

  it('keeps a u.item title that holds a |, counting the flags from the end', async () => {
    const path = await file('pipe/u.item', `9|Either|Or (1990)|||u|${flags(8)}\n`)
    assert.deepEqual((await readItemMetadata(path)).items.get('9'), { title: 'Either|Or (1990)', genres: ['Drama'] })
  })

  it('reads MovieLens-1M movies.dat in Latin-1, genres split on |, CRLF endings', async () => {
    const path = await file('ml1m/movies.dat', "1::Toy Story (1995)::Animation|Children's|Comedy\r\n2::Am\xe9lie (2001)::Comedy|Romance\r\n")
    const { items, format } = await readItemMetadata(path)
    assert.equal(format, 'movies')
    assert.equal(items.size, 2)
    assert.deepEqual(items.get('2'), { title: 'Amélie (2001)', genres: ['Comedy', 'Romance'] })
  })

  it('reads JSON Lines as UTF-8 with title and genres optional, skipping blank lines', async () => {
    const text = '\ufeff{"itemId":"a","title":"Caf\u00e9","genres":["X","X"]}\n\n{"itemId":"b"}\n{"itemId":3,"genres":[],"title":null}\n'
    const path = await file('items/catalogue.jsonl', Buffer.from(text, 'utf8'))
    const { items, format } = await readItemMetadata(path)
    assert.equal(format, 'jsonl')
    assert.deepEqual([...items], [['a', { title: 'Café', genres: ['X'] }], ['b', { genres: [] }], ['3', { genres: [] }]])
  })

  it('detects the format by file name first', async () => {
    // An empty body gives nothing to sniff, so only the name can decide.
    assert.equal((await readItemMetadata(await file('byname/u.item', '\n'))).format, 'uitem')
    assert.equal((await readItemMetadata(await file('byname/movies.dat', '\n'))).format, 'movies')
    assert.equal((await readItemMetadata(await file('byname/list.json', ''))).format, 'jsonl')
    assert.equal((await readItemMetadata(await file('byname/more.jsonl', ''))).format, 'jsonl')
  })

  it('otherwise detects the format from the first non-empty line', async () => {
    assert.equal((await readItemMetadata(await file('sniff/a.txt', '\n\n{"itemId":"1"}\n'))).format, 'jsonl')
    assert.equal((await readItemMetadata(await file('sniff/b.txt', '5::Five::Drama\n'))).format, 'movies')
    assert.equal((await readItemMetadata(await file('sniff/c.txt', `5|Five|||u|${flags(8)}\n`))).format, 'uitem')
    await rejectsAt(readItemMetadata(await file('sniff/d.txt', '\n5,Five,Drama\n')), /d\.txt:2: unknown item metadata format/)
  })

  it('lets an explicit format override the name', async () => {
    const path = await file('forced/items.jsonl', '5::Five::Drama\n')
    assert.deepEqual((await readItemMetadata(path, { format: 'movies' })).items.get('5'), { title: 'Five', genres: ['Drama'] })
  })

  it('resolves a directory to its u.item, movies.dat or items.jsonl, in that order', async () => {
    await file('both/movies.dat', '1::One::Drama\n')
    const uitem = await file('both/u.item', `1|One|||u|${flags(1)}\n`)
    assert.equal((await readItemMetadata(join(dir, 'both'))).file, uitem)
    const jsonl = await file('onlyjson/items.jsonl', '{"itemId":"1"}\n')
    assert.deepEqual(await readItemMetadata(join(dir, 'onlyjson')), { items: new Map([['1', { genres: [] }]]), format: 'jsonl', file: jsonl })
  })

  it('names the file and line of a malformed entry', async () => {
    await rejectsAt(readItemMetadata(await file('bad/a.jsonl', '{"itemId":"a"}\n{"itemId":"b","genres":"Drama"}\n')), /a\.jsonl:2: genres must be an array of strings/)
    await rejectsAt(readItemMetadata(await file('bad/b.jsonl', '{"itemId":"a"}\n\n{"itemId":\n')), /b\.jsonl:3: not valid JSON/)
    await rejectsAt(readItemMetadata(await file('bad/c.jsonl', '{"title":"no id"}\n')), /c\.jsonl:1: itemId must be a string or a number/)
    await rejectsAt(readItemMetadata(await file('bad/u.item', '1|Only|two\n')), /u\.item:1: expected 24 fields/)
    await rejectsAt(readItemMetadata(await file('bad2/u.item', `1|One|||u|${flags(1).replace('1', '2')}\n`)), /u\.item:1: genre flags must be 0 or 1/)
    await rejectsAt(readItemMetadata(await file('bad/movies.dat', '1::One::Drama\n2::Two\n')), /movies\.dat:2: expected id::title::genres/)
  })

  it('rejects an item id that appears twice', async () => {
    await rejectsAt(readItemMetadata(await file('dup/items.jsonl', '{"itemId":"a"}\n{"itemId":"a"}\n')), /items\.jsonl:2: item "a" appears twice/)
    await rejectsAt(readItemMetadata(await file('dup/movies.dat', '1::One::Drama\n1::Again::Comedy\n')), /movies\.dat:2: item "1" appears twice/)
  })

  it('throws DataNotFoundError for a missing path or a directory without a metadata file', async () => {
    await assert.rejects(readItemMetadata(join(dir, 'nope')), (error) => error instanceof DataNotFoundError && error.code === 'DATA_NOT_FOUND')
    await mkdir(join(dir, 'empty'))
    await assert.rejects(readItemMetadata(join(dir, 'empty')), (error) => error instanceof DataNotFoundError && /none of u\.item/.test(error.message))
  })
})
