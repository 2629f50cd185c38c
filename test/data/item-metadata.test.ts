import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { readItemMetadata } from '../../src/data/item-metadata.js'

describe('readItemMetadata', () => {
  let dir: string
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'distillrec-items-')) })
  after(async () => await rm(dir, { recursive: true, force: true }))

  const flags = (...on: number[]): string => Array.from({ length: 19 }, (_, i) => on.includes(i) ? '1' : '0').join('|')

  it('reads MovieLens-100K u.item in Latin-1, genres from the flags, "unknown" dropped', async () => {
    const sub = join(dir, 'ml100k')
    await mkdir(sub)
    const text = `1|Toy Story (1995)|01-Jan-1995||http://x|${flags(3, 4, 5)}\n2|Caf\xe9 (1996)|||http://y|${flags(0)}\n`
    await writeFile(join(sub, 'u.item'), Buffer.from(text, 'latin1'))
    const { items, format, file } = await readItemMetadata(sub)
    assert.equal(format, 'uitem')
    assert.equal(file, join(sub, 'u.item'))
    assert.deepEqual(items.get('1'), { title: 'Toy Story (1995)', genres: ['Animation', "Children's", 'Comedy'] })
    assert.deepEqual(items.get('2'), { title: 'Café (1996)', genres: [] })
  })

  it('takes genre names from u.genre beside u.item when it is there', async () => {
    const sub = join(dir, 'genre')
    await mkdir(sub)
    await writeFile(join(sub, 'u.genre'), Array.from({ length: 19 }, (_, i) => `G${i}|${i}`).join('\n') + '\n')
    await writeFile(join(sub, 'u.item'), `7|Seven|||u|${flags(2, 18)}\n`)
    assert.deepEqual((await readItemMetadata(join(sub, 'u.item'))).items.get('7')?.genres, ['G2', 'G18'])
  })

  it('reads MovieLens-1M movies.dat, Latin-1, genres split on |', async () => {
    await writeFile(join(dir, 'movies.dat'), Buffer.from("1::Toy Story (1995)::Animation|Children's|Comedy\n2::Am\xe9lie (2001)::Comedy|Romance\r\n", 'latin1'))
    const { items, format } = await readItemMetadata(join(dir, 'movies.dat'))
    assert.equal(format, 'movies')
    assert.deepEqual(items.get('2'), { title: 'Amélie (2001)', genres: ['Comedy', 'Romance'] })
    assert.equal(items.size, 2)
  })

  it('reads JSON Lines with optional title and genres, and detects formats by content', async () => {
    await writeFile(join(dir, 'catalog.txt'), '{"itemId":"a","title":"A","genres":["X"]}\n\n{"itemId":"b"}\n{"itemId":3,"genres":[]}\n')
    const { items, format } = await readItemMetadata(join(dir, 'catalog.txt'))
    assert.equal(format, 'jsonl')
    assert.deepEqual([...items], [['a', { title: 'A', genres: ['X'] }], ['b', { genres: [] }], ['3', { genres: [] }]])
    await writeFile(join(dir, 'other.txt'), '5::Five::Drama\n')
    assert.equal((await readItemMetadata(join(dir, 'other.txt'))).format, 'movies')
  })

  it('names the file and line of a malformed or duplicate entry, and a missing path', async () => {
    await writeFile(join(dir, 'bad.jsonl'), '{"itemId":"a"}\n{"itemId":"b","genres":"Drama"}\n')
    await assert.rejects(readItemMetadata(join(dir, 'bad.jsonl')), { code: 'DATA_FORMAT', message: /bad\.jsonl:2: genres must be an array of strings/ })
    await writeFile(join(dir, 'dup.jsonl'), '{"itemId":"a"}\n{"itemId":"a"}\n')
    await assert.rejects(readItemMetadata(join(dir, 'dup.jsonl')), { code: 'DATA_FORMAT', message: /dup\.jsonl:2: item "a" appears twice/ })
    await writeFile(join(dir, 'short.item'), '1|Only|two\n')
    await assert.rejects(readItemMetadata(join(dir, 'short.item'), { format: 'uitem' }), { code: 'DATA_FORMAT', message: /short\.item:1: expected 24 fields/ })
    await assert.rejects(readItemMetadata(join(dir, 'nope')), { code: 'DATA_NOT_FOUND' })
  })
})
