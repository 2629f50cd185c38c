import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { main } from '../../src/cli/synthetic.js'
import { readInteractions } from '../../src/data/interaction-reader.js'

const SIZE = ['--items', '5000', '--users', '2000', '--events', '40000']
/**
 * The total lands near the target, not on it: lengths are log-normal around events / users (std
 * about half the mean), so the relative error is about 0.5 / sqrt(users), 1.1% for 2,000 users.
 */
const EVENTS_TOLERANCE = 0.05

describe('npm run synthetic', () => {
  let root: string
  const quiet = (): void => {}

  before(async () => { root = await mkdtemp(join(tmpdir(), 'distillrec-synthetic-')) })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('writes a pairs file the project reader reads back with every user, about the events asked and ids in range', async () => {
    const out = join(root, 'a.pairs')
    const result = await main([...SIZE, '--out', out], quiet)
    assert.ok(result !== null)
    const { interactions, format } = await readInteractions(out, { format: 'pairs' })
    assert.equal(format, 'pairs')
    assert.equal(interactions.length, result.events)
    assert.ok(Math.abs(result.events / 40_000 - 1) < EVENTS_TOLERANCE, `events ${result.events}`)
    const users = new Set(interactions.map((i) => i.userId))
    assert.equal(users.size, 2000)
    assert.ok(interactions.every((i) => /^u\d+$/.test(i.userId) && Number(i.userId.slice(1)) < 2000))
    assert.ok(interactions.every((i) => /^i\d+$/.test(i.itemId) && Number(i.itemId.slice(1)) < 5000))
    assert.equal(new Set(interactions.map((i) => i.itemId)).size, result.itemsSeen)
  })

  it('writes the same file for the same seed and another for another seed', async () => {
    const [a, b, c] = ['same-1', 'same-2', 'other'].map((name) => join(root, `${name}.pairs`))
    await main([...SIZE, '--seed', '7', '--out', a], quiet)
    await main([...SIZE, '--seed', '7', '--out', b], quiet)
    await main([...SIZE, '--seed', '8', '--out', c], quiet)
    assert.ok((await readFile(a)).equals(await readFile(b)))
    assert.ok(!(await readFile(a)).equals(await readFile(c)))
  })

  it('has a long tail: the top 1% of items hold far more than 1% of the events', async () => {
    const out = join(root, 'tail.pairs')
    await main([...SIZE, '--out', out], quiet)
    const counts = new Map<string, number>()
    const { interactions } = await readInteractions(out, { format: 'pairs' })
    for (const i of interactions) counts.set(i.itemId, (counts.get(i.itemId) ?? 0) + 1)
    const sorted = [...counts.values()].sort((x, y) => y - x)
    const head = sorted.slice(0, 50).reduce((x, y) => x + y, 0)
    assert.ok(head / interactions.length > 0.1, `top 1% share ${head / interactions.length}`)
  })

  it('prints throttled progress and a last line with the counts, the size and the seconds', async () => {
    const lines: string[] = []
    await main([...SIZE, '--out', join(root, 'printed.pairs'), '--progress-ms', '0'], (line) => lines.push(line))
    assert.ok(lines.length >= 1)
    assert.match(lines.at(-1) ?? '', /: 2000 users, \d+ events \(target 40000\), \d+ of 5000 items seen, [\d.]+ MB, [\d.]+ s$/)
  })

  for (const [name, argv, message] of [
    ['zero items', ['--items', '0', '--users', '10', '--events', '100'], /--items must be a positive integer, got 0/],
    ['negative users', ['--items', '100', '--users=-3', '--events', '100'], /--users must be a positive integer, got -3/],
    ['fewer events than users', ['--items', '100', '--users', '10', '--events', '9'], /--events \(9\) must be at least --users \(10\)/],
    ['sequences longer than half the catalogue', ['--items', '100', '--users', '10', '--events', '600'], /at most half of --items/],
    ['a missing size', ['--items', '100', '--users', '10'], /--events is required/],
    ['a fractional count', ['--items', '1.5', '--users', '10', '--events', '100'], /--items must be an integer/]
  ] as const) {
    it(`refuses ${name} before writing anything`, async () => {
      const out = join(root, `refused-${name.replace(/ /g, '-')}.pairs`)
      await assert.rejects(main([...argv, '--out', out], quiet), message)
      await assert.rejects(readFile(out), { code: 'ENOENT' })
    })
  }

  it('refuses an existing --out unless --force, and overwrites it with --force', async () => {
    const out = join(root, 'existing.pairs')
    await writeFile(out, 'keep me\n')
    await assert.rejects(main([...SIZE, '--out', out], quiet), /exists; pass --force to overwrite it/)
    assert.equal(await readFile(out, 'utf8'), 'keep me\n')
    await main([...SIZE, '--out', out, '--force'], quiet)
    assert.match(await readFile(out, 'utf8'), /^u0 i\d+\n/)
  })

  it('refuses an --out in a folder that does not exist or is a directory', async () => {
    await assert.rejects(main([...SIZE, '--out', join(root, 'no-such-dir', 'x.pairs')], quiet), /cannot be written \(ENOENT\)/)
    await assert.rejects(main([...SIZE, '--out', root], quiet), /is a directory/)
  })
})
