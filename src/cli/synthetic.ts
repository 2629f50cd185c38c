/**
 * Writes a large synthetic catalogue as a pairs file, for benches and tests at scale:
 *   npm run synthetic -- --items 1000000 --users 200000 --events 10000000 --out /tmp/synth-1m.pairs
 * The model is the default dataset's (Zipf popularity, taste clusters, sequential order, drift,
 * noise); the file reads back with `--data FILE --format pairs`. Such files are never committed.
 */
import { constants, createWriteStream } from 'node:fs'
import { access, rename, rm, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { finished } from 'node:stream/promises'
import { pathToFileURL } from 'node:url'
import { writeSyntheticPairs, type SyntheticCounts, type SyntheticSize } from '../data/synthetic-pairs.js'
import { CliUsageError, parseCli, required, runCli } from './args.js'

export const SYNTHETIC_SPEC = {
  usage: 'npm run synthetic --',
  summary: 'Writes a synthetic interaction log (the default dataset\'s model at any size) as a pairs file: "u<user> i<item>" per line, in time order.',
  options: {
    items: { type: 'int', description: 'required: catalogue size' },
    users: { type: 'int', description: 'required: number of users, each with at least one event' },
    events: { type: 'int', description: 'required: target number of events (mean sequence length = events / users)' },
    seed: { type: 'int', default: 42, description: 'seed of the generator: the same seed and sizes give the same file' },
    out: { type: 'string', description: 'required: file to write (outside the repository; it is never committed)' },
    force: { type: 'boolean', default: false, description: 'overwrite --out when it exists' },
    'progress-ms': { type: 'int', default: 2000, description: 'least milliseconds between progress lines' }
  }
} as const

export interface SyntheticResult extends SyntheticCounts {
  file: string
  bytes: number
  seconds: number
}

/** Returns what was written, or null after printing help. */
export async function main (argv: readonly string[], print: (line: string) => void = console.log): Promise<SyntheticResult | null> {
  const args = parseCli(SYNTHETIC_SPEC, argv, (text) => print(text.trimEnd()))
  if (args === null) return null
  const size: SyntheticSize = {
    items: positive(args.items, 'items'),
    users: positive(args.users, 'users'),
    events: positive(args.events, 'events'),
    seed: args.seed
  }
  if (size.events < size.users) throw new CliUsageError(`--events (${size.events}) must be at least --users (${size.users}): every user has an event`)
  if (size.events / size.users > size.items / 2) {
    throw new CliUsageError(`--events / --users (${size.events / size.users}) must be at most half of --items (${size.items}): a user never repeats an item`)
  }
  const file = resolve(required(args.out, 'out'))
  await checkOut(file, args.force)

  const started = performance.now()
  let lastPrint = started
  const tmp = `${file}.${process.pid}.tmp`
  const stream = createWriteStream(tmp)
  let counts: SyntheticCounts
  try {
    counts = await writeSyntheticPairs(stream, size, (c) => {
      const now = performance.now()
      if (now - lastPrint < args['progress-ms'] || c.users === size.users) return
      lastPrint = now
      print(`  users ${c.users}/${size.users} (${(100 * c.users / size.users).toFixed(0)}%), events ${c.events}, ${((now - started) / 1000).toFixed(1)} s`)
    })
    stream.end()
    await finished(stream)
  } catch (err) {
    stream.destroy()
    await rm(tmp, { force: true })
    throw err
  }
  await rename(tmp, file)
  const bytes = (await stat(file)).size
  const seconds = (performance.now() - started) / 1000
  print(`${file}: ${counts.users} users, ${counts.events} events (target ${size.events}), ${counts.itemsSeen} of ${size.items} items seen, ` +
    `${(bytes / 1e6).toFixed(1)} MB, ${seconds.toFixed(1)} s`)
  return { ...counts, file, bytes, seconds }
}

function positive (value: number | undefined, name: string): number {
  const n = required(value, name)
  if (n < 1) throw new CliUsageError(`--${name} must be a positive integer, got ${n}`)
  return n
}

/** Refuses an existing file (unless forced), a directory, or a folder this process cannot write, before any work. */
async function checkOut (file: string, force: boolean): Promise<void> {
  const existing = await stat(file).catch(() => null)
  if (existing?.isDirectory() === true) throw new CliUsageError(`--out: ${file} is a directory`)
  if (existing !== null && !force) throw new CliUsageError(`--out: ${file} exists; pass --force to overwrite it`)
  try {
    await access(dirname(file), constants.W_OK)
  } catch (err) {
    throw new CliUsageError(`--out: ${dirname(file)} cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runCli(async () => { await main(process.argv.slice(2)) })
