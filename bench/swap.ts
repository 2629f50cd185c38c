/**
 * Hot-swap benchmark (issue 9): one API process loaded by autocannon (GET /recommend, rotating
 * user ids) while idle, while two student versions are activated back and forth through the admin
 * API, and, with the embedded worker, while a re-distillation trains; tensors and memory around
 * the swaps; then, on a redis-server of its own, two API replicas and `npm run worker`, and the
 * time from a version's publication until both replicas serve it. Prints figures; not a test.
 *   npm run bench:swap -- [--data synthetic] [--duration 10] [--swaps 50] [--repeats 1] [--skip-redis]
 *   npm run bench:swap -- --items 1000000: a synthetic catalogue of that many items and two structured
 *     students with their ANN indexes (serve-catalogues.ts), idle and swap windows only (no training
 *     or Redis rounds: training at that size is bench:train-profile's); `--catalogue-dir DIR` keeps them
 *     there for the next run
 */
import { cp, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseCli, runCli } from '../src/cli/args.js'
import { readDataset, SYNTHETIC } from '../src/data/read-dataset.js'
import { listVersions } from '../src/models/artifact/index.js'
import { saveModel } from '../src/models/artifact/model-io.js'
import { syntheticLargeCatalogue } from './serve-catalogues.js'
import { keptCatalogue } from './swap-catalogue.js'
import { structuredStudent } from './structured-student.js'
import { BenchResources, closeOnSignal, freePort, logTail } from './bench-processes.js'
import { AdminClient, isFinished, memoryFigures, servedModel, type MemoryFigures } from './swap-admin.js'
import { collectGarbage, startCpuProfile } from './swap-gc.js'
import { loadWindow, type Window } from './swap-load.js'
import { measureConvergence } from './swap-replicas.js'
import {
  convergenceTable, failedActivations, loadTable, swapTable, trainingTable, versionLines,
  type Activation, type Figures, type PhaseName, type TrainingRound
} from './swap-report.js'
import { ADMIN_TOKEN, startApi, type Started } from './swap-services.js'

const SPEC = {
  usage: 'npm run bench:swap --',
  summary: 'Hot-swap benchmark: /recommend under load while idle, while versions swap, while a re-distillation trains; replica convergence on Redis.',
  options: {
    data: { type: 'string', default: SYNTHETIC, description: 'DATA_PATH of every process: an interaction file or dataset directory, or synthetic' },
    duration: { type: 'int', default: 10, description: 'seconds per measured window' },
    swaps: { type: 'int', default: 50, description: 'activations during the swap window (rounded up to even: it ends on the version it started on)' },
    repeats: { type: 'int', default: 1, description: 'rounds of every window, and worker runs timed for convergence; medians (min-max)' },
    connections: { type: 'int', default: 50, description: 'autocannon connections' },
    'warm-seconds': { type: 'int', default: 3, description: 'unmeasured load before each round' },
    'cache-ttl-ms': { type: 'int', default: 1000, description: 'CACHE_TTL_MS of the API process: short, so rotating users keep missing as well as hitting' },
    'train-epochs': { type: 'int', default: 20, description: 'student epochs of the run trained under load (teacher retrained first)' },
    'skip-training': { type: 'boolean', default: false, description: 'leave out the window while a re-distillation trains' },
    'skip-redis': { type: 'boolean', default: false, description: 'leave out the two-replica convergence on a redis-server of its own' },
    items: { type: 'int', default: 0, description: 'a synthetic catalogue of this many items with two structured students instead of --data (0: --data)' },
    'cpu-profile': { type: 'string', description: 'write a V8 CPU profile of the API process over the (first) swap window to this file (.cpuprofile)' },
    'catalogue-dir': { type: 'string', description: 'with --items: keep the generated catalogue and its students in this directory and reuse them on the next run (generating 1,000,000 items takes minutes)' }
  }
} as const

type Args = NonNullable<ReturnType<typeof parseCli<typeof SPEC.options>>>
interface State { log?: string }

const SETTLE_MS = 2000
const TRAINING_WAIT_MS = 300_000

async function main (argv: readonly string[]): Promise<void> {
  const args = parseCli(SPEC, argv)
  if (args === null) return
  for (const name of ['duration', 'swaps', 'repeats', 'connections'] as const) {
    if (!(args[name] >= 1)) throw new Error(`--${name} must be at least 1`)
  }
  const resources = new BenchResources()
  closeOnSignal(resources)
  const state: State = {}
  const figures: Figures = { windows: new Map(), swaps: [], training: [], convergence: [] }
  let complete = false
  try {
    await bench(args, resources, state, figures)
    complete = true
  } catch (err) {
    if (state.log !== undefined) process.stderr.write(`last lines of ${state.log}:\n${await logTail(state.log)}\n`)
    throw err
  } finally {
    await resources.close()
    report(args, figures, complete)
  }
}

async function bench (options: Args, resources: BenchResources, state: State, figures: Figures): Promise<void> {
  let args = options
  const dir = await resources.tempDir('swap')
  let dataEnv: Record<string, string> = { DATA_PATH: args.data }
  let userIds: readonly string[]
  let prepared = join(dir, 'models')
  let versions: number[]
  if (args.items > 0) {
    const catalogue = args['catalogue-dir'] === undefined ? await syntheticLargeCatalogue(resources, args.items) : await keptCatalogue(resources, args.items, args['catalogue-dir'])
    dataEnv = { DATA_PATH: catalogue.env.DATA_PATH, DATA_FORMAT: catalogue.env.DATA_FORMAT }
    userIds = catalogue.userIds
    prepared = catalogue.env.MODELS_DIR
    versions = listVersions(prepared, 'student')
    if (versions.length < 2) versions.push(await saveStructuredStudent(prepared, catalogue.itemIds))
    args = { ...args, 'skip-training': true, 'skip-redis': true }
  } else {
    const { dataset } = await readDataset(args.data, 'auto', 42)
    userIds = dataset.users.ids()
    versions = await prepareStudents(resources, args.data, prepared)
  }
  process.stderr.write(`${userIds.length} users, ${args.items > 0 ? args.items : 'dataset'} items; student versions ${versions.join(', ')} in ${prepared}\n`)
  const record = (phase: PhaseName, w: Window): void => {
    figures.windows.set(phase, [...(figures.windows.get(phase) ?? []), w])
    process.stderr.write(`${phase}: ${w.reqs.toFixed(0)} req/s, p50 ${w.p50.toFixed(2)} ms, p99 ${w.p99.toFixed(2)} ms, non-2xx ${w.non2xx}, errors ${w.errors}\n`)
  }
  const common = { ...dataEnv, CACHE_TTL_MS: String(args['cache-ttl-ms']), LOG_LEVEL: 'warn' }
  const window = (origin: string, seconds?: number): ReturnType<typeof loadWindow> =>
    loadWindow(origin, { connections: args.connections, userIds, seconds })

  // (a) idle and (b) swaps, in one process without the worker
  await cp(prepared, join(dir, 'models-ab'), { recursive: true })
  // the inspector lets the bench force a full GC before reading the heap
  const inspectPort = await freePort()
  const api = await start(state, startApi(resources, dir, 'api-ab', {
    ...common, WORKER: 'off', MODELS_DIR: join(dir, 'models-ab'), NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:${inspectPort}`.trim()
  }))
  const settled = async (): Promise<MemoryFigures> => {
    await sleep(SETTLE_MS)
    await collectGarbage(inspectPort)
    return await memoryFigures(api.origin)
  }
  const served = await servedModel(api.origin)
  if (served.kind !== 'student') throw new Error(`the API serves ${served.kind} v${served.version}, not a student`)
  const admin = new AdminClient(api.origin, ADMIN_TOKEN)
  const other = versions.find((v) => v !== served.version)
  if (other === undefined) throw new Error(`need two student versions, found ${versions.join(', ')}`)
  const swaps = args.swaps + (args.swaps % 2)
  for (let round = 0; round < args.repeats; round++) {
    await window(api.origin, args['warm-seconds']).done
    record('idle', await window(api.origin, args.duration).done)
    const before = await settled()
    const profiling = args['cpu-profile'] !== undefined && round === 0 ? await startCpuProfile(inspectPort) : undefined
    const load = window(api.origin)
    let activations: Activation[]
    try {
      activations = await swapBackAndForth(admin, [other, served.version], swaps, args.duration * 1000)
    } finally {
      load.stop()
    }
    if (profiling !== undefined) await writeFile(args['cpu-profile']!, JSON.stringify(await profiling()))
    record('swaps', await load.done)
    figures.swaps.push({ activations, before, after: await settled() })
    const last = figures.swaps.at(-1)!
    process.stderr.write(`${activations.length} activations, ${activations.filter((a) => a.status !== 200).length} not 200; tensors ${last.before.tensors} -> ${last.after.tensors}\n`)
  }
  await resources.stop(api.child)

  // (c) the embedded worker trains (teacher first) under the same load
  if (!args['skip-training']) {
    await cp(prepared, join(dir, 'models-c'), { recursive: true })
    const embedded = await start(state, startApi(resources, dir, 'api-c', {
      ...common, WORKER: 'embedded', MODELS_DIR: join(dir, 'models-c'), TEACHER_EPOCHS: String(Math.max(10, args.duration))
    }))
    const admin = new AdminClient(embedded.origin, ADMIN_TOKEN)
    for (let round = 0; round < args.repeats; round++) {
      await window(embedded.origin, args['warm-seconds']).done
      record('idle (worker embedded)', await window(embedded.origin, args.duration).done)
      const id = await admin.redistill({ epochs: args['train-epochs'], teacher: 'retrain' })
      const training = await admin.waitFor(id, (j) => j.phase.startsWith('training-'), TRAINING_WAIT_MS)
      if (isFinished(training)) throw new Error(`job ${id} ended ${training.state} before training: ${training.reason ?? ''}`)
      record('training', await window(embedded.origin, args.duration).done)
      const end = await admin.job(id)
      const cancelled = isFinished(end) ? 'already ended' : (await admin.cancel(id)).state
      const t: TrainingRound = {
        startPhase: training.phase,
        endState: end.state,
        endPhase: end.phase,
        epochAtEnd: end.epoch === undefined ? '-' : `${end.epoch}/${end.epochs ?? '?'}`,
        stillTraining: end.state === 'running' && end.phase.startsWith('training-'),
        cancelled
      }
      figures.training.push(t)
      process.stderr.write(`training window: job ${t.endState}/${t.endPhase} at its end; ${cancelled}\n`)
    }
    await resources.stop(embedded.child)
  }

  // (d) two replicas and the worker on one redis-server
  if (!args['skip-redis']) {
    figures.convergence = await measureConvergence(resources, {
      dir, preparedModels: prepared, dataEnv, runs: args.repeats, epochs: 2, onLog: (file) => { state.log = file }
    })
  }
}

/** A second structured student over the same catalogue (same vectors, its own version): a swap's cost is its shape's. */
async function saveStructuredStudent (modelsDir: string, itemIds: readonly string[]): Promise<number> {
  const { student, ann } = structuredStudent(itemIds.length)
  try {
    return (await saveModel(modelsDir, student, { itemIds, datasetFingerprint: 'structured-student', ann })).version
  } finally {
    student.dispose()
  }
}

/** Two quick students (task loss, 1 and 2 epochs): serving cost depends on their shape, not quality. */
async function prepareStudents (resources: BenchResources, data: string, modelsDir: string): Promise<number[]> {
  const short = data === SYNTHETIC ? [] : ['--positions-per-user', '20']
  for (const epochs of [1, 2]) {
    await resources.run('src/cli/distill.ts', ['--data', data, '--models-dir', modelsDir, '--losses', 'task', '--epochs', String(epochs), ...short])
  }
  return (await readdir(join(modelsDir, 'student'))).map(Number).filter(Number.isSafeInteger).sort((a, b) => a - b)
}

async function start (state: State, started: Promise<Started>): Promise<Started> {
  const s = await started
  state.log = s.log
  return s
}

/**
 * `count` activations alternating over `order`, paced evenly over `windowMs` (back to back when a
 * swap takes longer than its slot), then waits out the rest of the window.
 */
async function swapBackAndForth (admin: AdminClient, order: readonly number[], count: number, windowMs: number): Promise<Activation[]> {
  const started = performance.now()
  const slot = windowMs / count
  const activations: Activation[] = []
  for (let i = 0; i < count; i++) {
    const wait = started + i * slot - performance.now()
    if (wait > 0) await sleep(wait)
    const version = order[i % order.length]
    activations.push({ version, ...await admin.activate(version) })
  }
  const rest = started + windowMs - performance.now()
  if (rest > 0) await sleep(rest)
  return activations
}

function report (args: Args, f: Figures, complete: boolean): void {
  if (f.windows.size === 0 && f.convergence.length === 0) return
  const out = (text = ''): void => { process.stdout.write(`${text}\n`) }
  if (!complete) out('\nThe run failed; figures so far:')
  out(`\nGET /recommend, ${args.connections} connections, rotating user ids (CACHE_TTL_MS=${args['cache-ttl-ms']}: hits and misses), ` +
    `${args.duration} s windows, ${args.repeats} round(s)${args.repeats > 1 ? ', medians (min-max)' : ''}; p50/p99 over every answer; errors = socket errors + timeouts\n`)
  out(loadTable(f, args.items))
  out()
  out(versionLines(f))
  if (f.swaps.length > 0) {
    out(`\nSwaps: ${args.swaps + (args.swaps % 2)} activations per round through POST /admin/models/:v/activate; /metrics read ${SETTLE_MS / 1000} s after the idle window and after the swaps, each time after a full GC (inspector HeapProfiler.collectGarbage)\n`)
    out(swapTable(f))
    const failed = failedActivations(f)
    if (failed !== '') out(`\nActivations not answered 200:\n${failed}`)
  }
  if (f.training.length > 0) {
    out(`\nRe-distillation under load (POST /admin/redistill {"epochs":${args['train-epochs']},"teacher":"retrain"}, the window opens once the phase is training-*)\n`)
    out(trainingTable(f))
  }
  if (f.convergence.length > 0) {
    out('\nTwo API replicas + npm run worker on one redis-server: ms from the PUBLISH of the version (same Lua script as the SET of model:student:active) to /health/ready reporting it\n')
    out(convergenceTable(f))
  }
}

runCli(async () => { await main(process.argv.slice(2)) })
