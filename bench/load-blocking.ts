/**
 * How long loading one student version holds the event loop (issue 20's hot swap at 1,000,000
 * items): loads a version with the serving loader (`loadStudentVersion`, as a swap does) while a
 * 1 ms timer chain records every gap between its ticks, and prints the longest gap, how many
 * passed 10/50/100/500 ms, the load's wall time and the RSS it added. Not a test.
 *   npm run bench:load-blocking -- [--items 1000000] [--models-dir DIR] [--source disk|store] [--repeats 3]
 * The first run saves a structured student of `--items` items with its ANN index into
 * `--models-dir` (a child process; the index is cached in the OS temp directory by size, as
 * bench:swap and bench:ann-sweep do).
 */
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import { parseCli, runCli } from '../src/cli/args.js'
import { markdownTable } from '../src/cli/table.js'
import { directoryFiles, listVersions, versionDir } from '../src/models/artifact/index.js'
import { saveModel } from '../src/models/artifact/model-io.js'
import { MATRIX_PRECISIONS, type MatrixPrecision } from '../src/models/compact-matrix.js'
import { loadStudentVersion } from '../src/serving/model-loader.js'
import { MemoryModelStore } from '../src/stores/memory-model-store.js'
import { storeFiles, publishFiles } from '../src/versions/version-files.js'
import { selectBackend } from '../src/tf/backend.js'
import { median } from './serve-load.js'
import { structuredStudent } from './structured-student.js'

const SPEC = {
  usage: 'npm run bench:load-blocking --',
  summary: 'Event-loop blocking while one student version loads (the serving loader), with its wall time and RSS.',
  options: {
    items: { type: 'int', default: 1_000_000, description: 'catalogue size of the structured student saved on the first run' },
    'models-dir': { type: 'string', default: join(tmpdir(), 'distillrec-load-blocking'), description: 'where the newest student version is loaded from (a structured one of --items items is saved there when it has none)' },
    source: { type: 'string', default: 'disk', description: 'disk: the models directory; store: its files published to a memory model store first (a replica with an empty models dir)' },
    precision: { type: 'string', default: 'float32', description: MATRIX_PRECISIONS.join(' | ') },
    repeats: { type: 'int', default: 3, description: 'loads, one after the other (each disposed before the next)' },
    prepare: { type: 'boolean', default: false, description: 'only save the version (what the first run does in a child process)' }
  }
} as const

/** Gaps between 1 ms ticks, minus the 1 ms asked for: how long the loop could not run a timer. */
class GapMonitor {
  readonly gaps: number[] = []
  #last = performance.now()
  #timer: NodeJS.Timeout | undefined
  peakRss = process.memoryUsage.rss()

  start (): void {
    const tick = (): void => {
      const now = performance.now()
      this.gaps.push(Math.max(0, now - this.#last - 1))
      this.#last = now
      if (this.gaps.length % 16 === 0) this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss())
      this.#timer = setTimeout(tick, 1)
    }
    this.#last = performance.now()
    this.#timer = setTimeout(tick, 1)
  }

  stop (): void {
    clearTimeout(this.#timer)
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss())
  }
}

interface Round { wallMs: number, longest: number, over10: number, over50: number, over100: number, over500: number, blockedMs: number, rssBeforeMb: number, peakRssMb: number }

async function main (argv: readonly string[]): Promise<void> {
  const args = parseCli(SPEC, argv)
  if (args === null) return
  if (!['disk', 'store'].includes(args.source)) throw new Error('--source is disk or store')
  if (!(MATRIX_PRECISIONS as readonly string[]).includes(args.precision)) throw new Error(`--precision is one of ${MATRIX_PRECISIONS.join(', ')}`)
  const modelsDir = args['models-dir']
  await selectBackend()
  if (args.prepare) {
    await prepare(modelsDir, args.items)
    return
  }
  if (listVersions(modelsDir, 'student').length === 0) {
    process.stderr.write(`saving a structured student of ${args.items} items into ${modelsDir} (a child process)\n`)
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--prepare', '--items', String(args.items), '--models-dir', modelsDir], { stdio: 'inherit' })
    if (child.status !== 0) throw new Error(`preparing the version failed (${child.status ?? child.signal})`)
  }
  const version = listVersions(modelsDir, 'student').at(-1)!
  const disk = directoryFiles(versionDir(modelsDir, 'student', version))
  const store = new MemoryModelStore()
  if (args.source === 'store') await publishFiles(store, disk, version)
  const log = pino({ level: 'warn' })
  const rounds: Round[] = []
  let items = 0
  for (let r = 0; r < args.repeats; r++) {
    await sleep(200)
    global.gc?.()
    const monitor = new GapMonitor()
    const rssBefore = process.memoryUsage.rss()
    monitor.start()
    const started = performance.now()
    const files = args.source === 'store' ? await storeFiles(store, version) : disk
    const servable = await loadStudentVersion(files, version, { counts: new Map(), batch: { maxBatch: 64, maxWaitMs: 1 }, annMinItems: 50_000, precision: args.precision as MatrixPrecision, log })
    const wallMs = performance.now() - started
    monitor.stop()
    items = servable.items.size
    servable.dispose()
    const g = monitor.gaps
    rounds.push({
      wallMs,
      longest: Math.max(...g),
      over10: g.filter((x) => x > 10).length,
      over50: g.filter((x) => x > 50).length,
      over100: g.filter((x) => x > 100).length,
      over500: g.filter((x) => x > 500).length,
      blockedMs: g.filter((x) => x > 10).reduce((a, b) => a + b, 0),
      rssBeforeMb: rssBefore / 2 ** 20,
      peakRssMb: monitor.peakRss / 2 ** 20
    })
    process.stderr.write(`load ${r + 1}: ${wallMs.toFixed(0)} ms, longest block ${rounds.at(-1)!.longest.toFixed(1)} ms\n`)
  }
  const f = (x: number, d = 1): string => x.toFixed(d)
  process.stdout.write(`\nstudent v${version}, ${items} items, from ${args.source} (${modelsDir}), precision ${args.precision}; gaps of a 1 ms timer chain during loadStudentVersion\n\n`)
  process.stdout.write(markdownTable(
    ['load', 'wall ms', 'longest block ms', 'blocks > 10 / 50 / 100 / 500 ms', 'time in blocks > 10 ms', 'RSS before MB', 'peak RSS MB'],
    rounds.map((x, i) => [`#${i + 1}`, f(x.wallMs, 0), f(x.longest), `${x.over10} / ${x.over50} / ${x.over100} / ${x.over500}`, f(x.blockedMs, 0), f(x.rssBeforeMb, 0), f(x.peakRssMb, 0)])
  ) + '\n')
  process.stdout.write(`\nmedian longest block ${f(median(rounds.map((x) => x.longest)))} ms, median wall ${f(median(rounds.map((x) => x.wallMs)), 0)} ms, max RSS of the process ${f(process.resourceUsage().maxRSS / 1024, 0)} MB\n`)
}

async function prepare (modelsDir: string, items: number): Promise<void> {
  const itemIds = Array.from({ length: items }, (_, i) => `i${i}`)
  const { student, ann } = structuredStudent(items)
  try {
    const { version } = await saveModel(modelsDir, student, { itemIds, datasetFingerprint: 'structured-student', ann })
    process.stderr.write(`saved student v${version} (${items} items) in ${modelsDir}\n`)
  } finally {
    student.dispose()
  }
}

runCli(async () => { await main(process.argv.slice(2)) })
