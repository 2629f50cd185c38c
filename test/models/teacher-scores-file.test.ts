import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { IdMap } from '../../src/data/id-map.js'
import { readTeacherScores, TeacherScoresError } from '../../src/models/teacher-scores-file.js'

const items = IdMap.fromIds(['i0', 'i1', 'i2', 'i3'])

function line (userId: string, pairs: Array<[string, number]>): string {
  return JSON.stringify({ userId, items: pairs.map(([itemId, score]) => ({ itemId, score })) })
}

describe('readTeacherScores', () => {
  let root: string
  let n = 0
  before(async () => { root = await mkdtemp(join(tmpdir(), 'distillrec-scores-')) })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  async function file (...lines: string[]): Promise<string> {
    const path = join(root, `scores-${++n}.jsonl`)
    await writeFile(path, lines.join('\n') + '\n')
    return path
  }

  async function refused (path: string, pattern: RegExp): Promise<void> {
    await assert.rejects(readTeacherScores(path, items), (err: unknown) => {
      assert.ok(err instanceof TeacherScoresError)
      assert.equal(err.code, 'TEACHER_SCORES_INVALID')
      assert.match(err.message, pattern)
      return true
    })
  }

  it('maps each user to dense item indices sorted by descending score', async () => {
    const path = await file(line('u1', [['i3', 1.5], ['i0', 4.25], ['i2', -2]]), '', line('u2', []))
    const scores = await readTeacherScores(path, items)
    assert.deepEqual([...scores.keys()], ['u1', 'u2'])
    assert.deepEqual(scores.get('u1'), { items: Int32Array.of(0, 3, 2), scores: Float32Array.of(4.25, 1.5, -2) })
    assert.deepEqual(scores.get('u2'), { items: Int32Array.of(), scores: Float32Array.of() })
  })

  it('refuses an unknown item id, naming the file and line', async () => {
    const path = await file(line('u1', [['i1', 1]]), line('u2', [['nope', 2]]))
    await refused(path, /scores-\d+\.jsonl:2: unknown item id "nope"/)
  })

  it('skips unknown item ids when asked, reporting each one', async () => {
    const path = await file(line('u1', [['nope', 9], ['i1', 1]]), line('u2', [['gone', 2]]))
    const skipped: Array<[number, string]> = []
    const scores = await readTeacherScores(path, items, { unknownItems: 'skip', onSkip: (l, id) => skipped.push([l, id]) })
    assert.deepEqual(skipped, [[1, 'nope'], [2, 'gone']])
    assert.deepEqual(scores.get('u1')?.items, Int32Array.of(1))
    assert.equal(scores.get('u2')?.items.length, 0)
  })

  it('refuses malformed lines with the reason', async () => {
    await refused(await file(line('u1', []), '{"userId": "u2", "items": ['), /:2: not valid JSON/)
    await refused(await file('{"items": []}'), /:1: userId is not a non-empty string/)
    await refused(await file('{"userId": "u1", "items": [{"itemId": "i1", "score": "high"}]}'), /:1: items\[0\]\.score is not a finite number/)
    await refused(await file(line('u1', [['i1', 1], ['i1', 2]])), /:1: item "i1" appears twice/)
    await refused(await file(line('u1', []), line('u1', [])), /:2: user "u1" appears twice/)
  })

  it('refuses a file that cannot be read', async () => {
    await refused(join(root, 'missing.jsonl'), /missing\.jsonl: cannot be read \(ENOENT\)/)
  })
})
