import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DataFormatError, readInteractions } from '../../src/data/interaction-reader.js'

let dir: string

async function file (name: string, text: string): Promise<string> {
  const path = join(dir, name)
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(path, text)
  return path
}

async function rejectsWith (promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DataFormatError, `not a DataFormatError: ${String(error)}`)
    assert.equal(error.code, 'DATA_FORMAT')
    assert.match(error.message, pattern)
    return true
  })
}

describe('readInteractions', () => {
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'distillrec-reader-')) })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  it('reads MovieLens u.data (tab-separated, with timestamps) keeping ids as strings', async () => {
    const path = await file('a/u.data', '196\t242\t3\t881250949\n186\t302\t3\t891717742\n')
    const result = await readInteractions(path)
    assert.equal(result.format, 'udata')
    assert.equal(result.skipped, 0)
    assert.deepEqual(result.interactions, [
      { userId: '196', itemId: '242', ts: 881250949 },
      { userId: '186', itemId: '302', ts: 891717742 }
    ])
  })

  it('reads MovieLens-1M ratings.dat (:: separated)', async () => {
    const path = await file('b/ratings.dat', '1::1193::5::978300760\r\n1::661::3::978302109\r\n')
    const result = await readInteractions(path)
    assert.equal(result.format, 'ml1m')
    assert.deepEqual(result.interactions, [
      { userId: '1', itemId: '1193', ts: 978300760 },
      { userId: '1', itemId: '661', ts: 978302109 }
    ])
  })

  it('reads user-item pairs with the 1-based line number as ts, skipping blank lines', async () => {
    const path = await file('c/x.pairs.txt', '1 10\n\n1 11\n2 10\n')
    const result = await readInteractions(path)
    assert.equal(result.format, 'pairs')
    assert.deepEqual(result.interactions, [
      { userId: '1', itemId: '10', ts: 1 },
      { userId: '1', itemId: '11', ts: 3 },
      { userId: '2', itemId: '10', ts: 4 }
    ])
  })

  it('reads JSON Lines, using the line number when ts is missing and stringifying numeric ids', async () => {
    const path = await file('d/events.jsonl', '{"userId":"u1","itemId":"i2","ts":100}\n{"userId":7,"itemId":"i3"}\n')
    const result = await readInteractions(path)
    assert.equal(result.format, 'jsonl')
    assert.deepEqual(result.interactions, [
      { userId: 'u1', itemId: 'i2', ts: 100 },
      { userId: '7', itemId: 'i3', ts: 2 }
    ])
  })

  it('detects the format from the first non-empty line when the name says nothing', async () => {
    const cases: Array<[string, string]> = [
      ['udata', '\n1\t2\t3\t4\n'],
      ['ml1m', '1::2::3::4\n'],
      ['pairs', '1 2\n'],
      ['jsonl', '{"userId":"a","itemId":"b"}\n']
    ]
    for (const [format, text] of cases) {
      const result = await readInteractions(await file(`detect-${format}.txt`, text))
      assert.equal(result.format, format)
      assert.equal(result.interactions.length, 1)
    }
  })

  it('honours an explicit format over the file name', async () => {
    const path = await file('explicit.data', '1 2\n')
    const result = await readInteractions(path, { format: 'pairs' })
    assert.deepEqual(result.interactions, [{ userId: '1', itemId: '2', ts: 1 }])
  })

  it('resolves a directory to u.data, then ratings.dat, then a single *.pairs.txt, then a single *.jsonl', async () => {
    await file('dir1/u.data', '1\t2\t3\t4\n')
    await file('dir1/ratings.dat', '1::2::3::4\n')
    await file('dir1/z.pairs.txt', '1 2\n')
    assert.equal((await readInteractions(join(dir, 'dir1'))).file, join(dir, 'dir1', 'u.data'))
    await file('dir2/ratings.dat', '1::2::3::4\n')
    await file('dir2/z.pairs.txt', '1 2\n')
    assert.equal((await readInteractions(join(dir, 'dir2'))).format, 'ml1m')
    await file('dir3/z.pairs.txt', '1 2\n')
    await file('dir3/e.jsonl', '{"userId":"a","itemId":"b"}\n')
    await file('dir3/notes.txt', 'hello\n')
    assert.equal((await readInteractions(join(dir, 'dir3'))).format, 'pairs')
    await file('dir4/e.jsonl', '{"userId":"a","itemId":"b"}\n')
    assert.equal((await readInteractions(join(dir, 'dir4'))).format, 'jsonl')
  })

  it('names what it looked for when a directory holds no known file, or several candidates', async () => {
    await file('empty/readme.md', '# nothing\n')
    await assert.rejects(readInteractions(join(dir, 'empty')), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'DATA_NOT_FOUND')
      assert.match(error.message, /u\.data, ratings\.dat, a single \*\.pairs\.txt or a single \*\.jsonl/)
      return true
    })
    await file('two/a.pairs.txt', '1 2\n')
    await file('two/b.pairs.txt', '1 2\n')
    await assert.rejects(readInteractions(join(dir, 'two')), /a\.pairs\.txt, b\.pairs\.txt/)
    await assert.rejects(readInteractions(join(dir, 'missing')), { code: 'DATA_NOT_FOUND' })
  })

  it('rejects each kind of malformed line with the file, the 1-based line number and the reason', async () => {
    await rejectsWith(readInteractions(await file('bad1/u.data', '1\t2\t3\t4\n\n1\t2\t3\n')), /u\.data:3: expected 4 tab-separated fields, got 3/)
    await rejectsWith(readInteractions(await file('bad2/u.data', '1\t2\t3\tnoon\n')), /u\.data:1: timestamp 'noon' is not a number/)
    await rejectsWith(readInteractions(await file('bad3/u.data', '1\t2\tfive\t4\n')), /:1: rating 'five' is not a number/)
    await rejectsWith(readInteractions(await file('bad4/ratings.dat', '1::2::3::4\n1::2\n')), /ratings\.dat:2: expected 4 ::-separated fields, got 2/)
    await rejectsWith(readInteractions(await file('bad5/x.pairs.txt', '1 2\n1 2 3\n')), /x\.pairs\.txt:2: expected 2 whitespace-separated fields/)
    await rejectsWith(readInteractions(await file('bad6/e.jsonl', '{"userId":"a",\n')), /e\.jsonl:1: invalid JSON/)
    await rejectsWith(readInteractions(await file('bad7/e.jsonl', '{"itemId":"b"}\n')), /e\.jsonl:1: userId must be/)
    await rejectsWith(readInteractions(await file('bad8/e.jsonl', '{"userId":"a","itemId":"b","ts":"x"}\n')), /:1: ts must be a finite number/)
    await rejectsWith(readInteractions(await file('bad9/u.data', '\t2\t3\t4\n')), /:1: empty user or item id/)
    await rejectsWith(readInteractions(await file('bad10.txt', 'what is this\n')), /bad10\.txt:1: cannot detect the format/)
  })

  it('skips and counts malformed lines with skipBad', async () => {
    const path = await file('skip/u.data', '1\t2\t3\t4\nbroken\n1\t3\t3\tx\n2\t2\t5\t9\n')
    const result = await readInteractions(path, { skipBad: true })
    assert.equal(result.skipped, 2)
    assert.deepEqual(result.interactions.map((i) => i.itemId), ['2', '2'])
  })

  it('reads an empty file as no interactions', async () => {
    const result = await readInteractions(await file('nothing.pairs.txt', ''))
    assert.deepEqual(result.interactions, [])
  })
})
