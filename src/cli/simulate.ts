/**
 * The online loop end to end on a dataset's held-out events, as a population of users clicking on
 * what they are shown (a click when the list holds the item the user really went on to), with a
 * worse version (popularity) as control and a better one (first-order Markov chain) as candidate;
 * then the serving path's p99 with and without a shadow arm:
 *   npm run simulate -- --data ../shared/datasets/ml-1m [--percent 50] [--check-every 100]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Dataset } from '../data/dataset.js'
import { Random } from '../data/random.js'
import { readDataset } from '../data/read-dataset.js'
import { leaveOneOut } from '../data/split.js'
import { simulateAb, type AbSimulationResult, type SimulatedVersion, type Visit } from '../experiments/ab-simulation.js'
import { createOnline } from '../experiments/create-online.js'
import { MarkovChainScorer } from '../models/markov-chain.js'
import { PopularityScorer } from '../models/popularity.js'
import { topK } from '../models/top-k.js'
import { CliUsageError, dataFormat, parseCli, required, runCli } from './args.js'
import { inProcessServing, saveFreshStudent } from './in-process-serving.js'

export const SIMULATE_SPEC = {
  usage: 'npm run simulate --',
  summary: 'Replays held-out events through impressions, attribution, an A/B split and its test (popularity as control, Markov chain as candidate), then measures the serving p99 with and without a shadow arm.',
  options: {
    data: { type: 'string', description: 'required: dataset directory or interaction log (e.g. ../shared/datasets/ml-1m)' },
    format: { type: 'string', default: 'auto', description: 'the --data format (see npm run eval -- --help)' },
    percent: { type: 'float', default: 50, description: 'the candidate\'s share of users' },
    k: { type: 'int', default: 10, description: 'list length' },
    'check-every': { type: 'int', default: 100, description: 'read the test every this many impressions' },
    'min-impressions': { type: 'int', default: 1000, description: 'impressions per arm before the test may decide (EXPERIMENT_MIN_IMPRESSIONS)' },
    rounds: { type: 'int', default: 2, description: '1: each user\'s last event; 2: also the one before it (a second visit)' },
    seed: { type: 'int', default: 42, description: 'seed of the visit order and the assignment salt' },
    'latency-users': { type: 'int', default: 400, description: 'requests per latency round (distinct users)' },
    'latency-repeats': { type: 'int', default: 5, description: 'latency rounds per arm setting, interleaved' },
    concurrency: { type: 'int', default: 8, description: 'requests in flight in the latency rounds' },
    load: { type: 'float', description: 'open-loop latency rounds instead: requests arrive at this fraction (0-1] of the warm-up round\'s closed-loop throughput, latency counted from when each was due' }
  }
} as const

export async function main (argv: readonly string[], print = (line: string) => { process.stdout.write(line + '\n') }): Promise<void> {
  const args = parseCli(SIMULATE_SPEC, argv)
  if (args === null) return
  const data = required(args.data, 'data')
  if (!(args.percent > 0 && args.percent < 100)) throw new CliUsageError(`--percent must be above 0 and below 100, got ${args.percent}`)
  for (const name of ['k', 'check-every', 'min-impressions', 'latency-users', 'latency-repeats', 'concurrency'] as const) {
    if (args[name] < 1) throw new CliUsageError(`--${name} must be a positive integer, got ${args[name]}`)
  }
  if (args.load !== undefined && !(args.load > 0 && args.load <= 1)) throw new CliUsageError(`--load must be above 0 and at most 1, got ${args.load}`)
  if (args.rounds !== 1 && args.rounds !== 2) throw new CliUsageError(`--rounds must be 1 or 2, got ${args.rounds}`)

  const started = performance.now()
  const { dataset, source, events } = await readDataset(data, dataFormat(args.format), args.seed)
  print(`${source}: ${events} events, ${dataset.users.size} users, ${dataset.items.size} items (${((performance.now() - started) / 1000).toFixed(1)} s)`)
  const ab = await abRun(dataset, args)
  printAb(ab, args, print)
  await latencyRun(data, args, dataset, print)
}

async function abRun (dataset: Dataset, args: { percent: number, k: number, 'check-every': number, 'min-impressions': number, rounds: number, seed: number }): Promise<AbSimulationResult> {
  const split = leaveOneOut(dataset)
  const numItems = dataset.items.size
  const popularity = new PopularityScorer({ train: split.train, numItems })
  const markov = new MarkovChainScorer({ train: split.train, numItems })
  const top = (scores: Float32Array, history: Int32Array, k: number): Int32Array => {
    const seen = new Uint8Array(numItems)
    for (const index of history) seen[index] = 1
    return Int32Array.from(topK(scores, k, seen), (s) => s.index)
  }
  const control: SimulatedVersion = { version: 1, top: (history, k) => top(popularity.counts, history, k) }
  const candidate: SimulatedVersion = { version: 2, top: (history, k) => top(markov.scoreBatch([history])[0], history, k) }
  const rounds = args.rounds === 2 ? [split.test, split.valid] : [split.test]
  const random = new Random(args.seed)
  const visits: Visit[] = rounds.flatMap((cases) => random.shuffle(cases.map((c) => ({ userId: dataset.users.id(c.user), history: c.history, target: c.target }))))
  return await simulateAb({
    visits,
    itemId: (index) => dataset.items.id(index),
    control,
    candidate,
    percent: args.percent,
    k: args.k,
    salt: `simulate-${args.seed}`,
    checkEvery: args['check-every'],
    minImpressions: args['min-impressions'],
    catalogueSize: numItems
  })
}

function printAb (r: AbSimulationResult, args: { percent: number, k: number, 'check-every': number, 'min-impressions': number }, print: (line: string) => void): void {
  print(`A/B split: control v1 = popularity, candidate v2 = Markov chain, ${args.percent}% of users on the candidate, lists of ${args.k}`)
  print(`  ${r.impressions} impressions, ${r.clicks} clicks (a click: the list held the user's true next item), attributed by recommendationId`)
  for (const a of r.arms) {
    print(`  ${a.arm.padEnd(9)} v${a.version}: ${a.impressions} impressions, hit rate ${a.hitRate.toFixed(4)}, CTR@10 ${a.ctrAt10.toFixed(4)}, online DCG ${a.dcg.toFixed(4)}, coverage ${(a.coverage ?? 0).toFixed(3)}`)
  }
  const t = r.final
  print(`  final test: difference ${t.difference.toFixed(4)}, z ${t.z.toFixed(2)}, p ${t.pValue.toExponential(2)}, 95% CI [${t.confidenceInterval[0].toFixed(4)}, ${t.confidenceInterval[1].toFixed(4)}], required per arm ${t.requiredPerArm ?? '-'}`)
  print(r.decidedAt === null
    ? `  never significant with at least ${args['min-impressions']} impressions per arm (read every ${args['check-every']})`
    : `  significant (p < 0.05, >= ${args['min-impressions']} impressions per arm) first at ${r.decidedAt} impressions (read every ${args['check-every']}): ${r.winner} ahead, ` +
      `${r.winner === 'candidate' ? 'the right arm (the better version) wins' : 'THE WRONG ARM'}`)
}

/**
 * The serving path /recommend runs (history, ranking, filtering, the impression and, with an
 * experiment, its arm) without the HTTP layer, on two freshly initialised students of the default
 * shape over the dataset's catalogue (latency does not depend on the weights): p99 over distinct
 * users, in interleaved rounds without and with a shadow experiment scoring every request.
 */
async function latencyRun (data: string, args: { 'latency-users': number, 'latency-repeats': number, concurrency: number, load?: number, k: number, format: string }, dataset: Dataset, print: (line: string) => void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-simulate-'))
  try {
    const modelsDir = join(dir, 'models')
    for (const seed of [1, 2]) await saveFreshStudent(modelsDir, dataset, seed)
    const { config, log, metrics, stores, serving } = await inProcessServing(dataset, { DATA_PATH: data, DATA_FORMAT: args.format, MODELS_DIR: modelsDir, EVENT_LOG_PATH: join(dir, 'events.jsonl') })
    const online = createOnline({ config, serving, impressions: stores.impressions, experiments: stores.experiments, channel: stores.channel, sources: { modelsDir, store: stores.models }, metrics, log })
    await online.start()
    try {
      const users = new Random(7).shuffle([...dataset.users.ids()])
      const per = args['latency-users']
      if (users.length < per * 2 * args['latency-repeats'] + per) throw new CliUsageError(`--latency-users x 2 x --latency-repeats (+ a warm-up round) is more than the ${users.length} users`)
      // p99 of a round, and the process's CPU per served request (shadow work included): the CPU
      // figure holds on a shared machine, where a round's p99 moves with the neighbours' load
      let rate: number | undefined
      const round = async (slice: string[]): Promise<{ p99: number, cpuUs: number }> => {
        const times: number[] = []
        let next = 0
        const cpu = process.cpuUsage()
        const serve = async (userId: string, from: number): Promise<void> => {
          await online.recommender.recommend({ userId, k: args.k, excludeSeen: true }, userId)
          times.push(performance.now() - from)
        }
        const started = performance.now()
        if (rate === undefined) {
          await Promise.all(Array.from({ length: args.concurrency }, async () => {
            while (next < slice.length) await serve(slice[next++], performance.now())
          }))
        } else {
          // open loop: request i is due at i / rate, whatever the ones before it are doing
          const answered: Array<Promise<void>> = []
          for (const [i, userId] of slice.entries()) {
            const due = started + i * 1000 / rate
            const wait = due - performance.now()
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
            answered.push(serve(userId, due))
          }
          await Promise.all(answered)
        }
        const seconds = (performance.now() - started) / 1000
        await online.tasks.idle()
        if (args.load !== undefined && rate === undefined) rate = args.load * slice.length / seconds
        const { user, system } = process.cpuUsage(cpu)
        times.sort((a, b) => a - b)
        return { p99: times[Math.min(times.length - 1, Math.floor(0.99 * times.length))], cpuUs: (user + system) / slice.length }
      }
      await round(users.slice(0, per))
      if (rate !== undefined) print(`  open loop: ${rate.toFixed(0)} requests/s (${args.load} of the warm-up round's closed-loop throughput)`)
      const plain: Array<{ p99: number, cpuUs: number }> = []
      const shadowed: Array<{ p99: number, cpuUs: number }> = []
      let at = per
      for (let r = 0; r < args['latency-repeats']; r++) {
        plain.push(await round(users.slice(at, at += per)))
        const experiment = await online.control.start({ candidate: 1, percent: 100, mode: 'shadow' })
        shadowed.push(await round(users.slice(at, at += per)))
        const shadow = online.runtime.shadowFigures(experiment.id)
        await online.control.stop(experiment.id)
        print(`  latency round ${r + 1}: p99 ${plain[r].p99.toFixed(2)} ms without, ${shadowed[r].p99.toFixed(2)} ms with a shadow arm; CPU ${plain[r].cpuUs.toFixed(0)} / ${shadowed[r].cpuUs.toFixed(0)} µs per served request ` +
          `(${shadow?.scored ?? 0} shadow lists, ${shadow?.skipped ?? 0} skipped, mean overlap@10 ${shadow?.meanOverlapAt10?.toFixed(2) ?? '-'}, shadow p99 ${shadow?.p99Ms?.toFixed(2) ?? '-'} ms)`)
      }
      const ratios = plain.map((p, r) => shadowed[r].p99 / p.p99)
      const cpuRatios = plain.map((p, r) => shadowed[r].cpuUs / p.cpuUs)
      const p99s = (rounds: typeof plain): number => median(rounds.map((x) => x.p99))
      print(`serving p99 (${per} users a round, ${rate === undefined ? `${args.concurrency} in flight` : `${rate.toFixed(0)}/s open loop`}, ${args['latency-repeats']} interleaved rounds each): median ${p99s(plain).toFixed(2)} ms without, ` +
        `${p99s(shadowed).toFixed(2)} ms with a shadow arm; ratio median ${median(ratios).toFixed(2)}x (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)}; target <= 1.2x); ` +
        `CPU per served request ratio median ${median(cpuRatios).toFixed(2)}x (min ${Math.min(...cpuRatios).toFixed(2)}, max ${Math.max(...cpuRatios).toFixed(2)})`)
    } finally {
      await online.close()
      await serving.close()
      await stores.close()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runCli(async () => { await main(process.argv.slice(2)) })
