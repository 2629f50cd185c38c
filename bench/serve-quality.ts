/**
 * Served quality equals offline quality: sends every leave-one-out test case of a dataset to the
 * running service as `POST /recommend {history, k: 10}` and computes NDCG@10 and HR@10 from its
 * answers, then runs `npm run eval` on the same student in-process and prints both side by side.
 * The service masks the history it is given (excludeSeen) as evaluation masks it, so the two must
 * agree unless serving ranks differently from the model it loaded.
 *   npm run bench:serve-quality -- --data ../shared/datasets/ml-100k [--models-dir DIR] [--epochs 3]
 */
import { join } from 'node:path'
import { CliUsageError, COMMON_OPTIONS, dataFormat, parseCli, required, runCli } from '../src/cli/args.js'
import { main as evalMain } from '../src/cli/eval.js'
import { describeData, loadData, type LoadedData } from '../src/distill/training/training-data.js'
import { fixed, markdownTable } from '../src/cli/table.js'
import { hitAtK, ndcgAtK } from '../src/distill/evaluation/metrics.js'
import { freePort, logTail, withResources, type BenchResources } from './bench-processes.js'

const K = 10
const EQUAL_TOLERANCE = 1e-9

const { 'models-dir': _modelsDir, ...DATA_OPTIONS } = COMMON_OPTIONS

const SPEC = {
  usage: 'npm run bench:serve-quality --',
  summary: 'NDCG@10 and HR@10 of the served student (over HTTP) against npm run eval on the same version.',
  options: {
    ...DATA_OPTIONS,
    epochs: { type: 'int', default: 3, description: 'epochs of the student trained when no --models-dir is given' },
    'models-dir': { type: 'string', description: 'student artifacts to serve (default: train one with the distill CLI, --losses task, into a temp dir)' },
    concurrency: { type: 'int', default: 16, description: 'requests in flight' }
  }
} as const

type Args = NonNullable<ReturnType<typeof parseCli<typeof SPEC.options>>>

interface Answer { source: string, modelVersion: number, items: Array<{ itemId: string, rank: number }> }

async function main (argv: readonly string[]): Promise<void> {
  const args = parseCli(SPEC, argv)
  if (args === null) return
  await withResources(async (resources) => await bench(args, resources))
}

async function bench (args: Args, resources: BenchResources): Promise<void> {
  const dataPath = required(args.data, 'data')
  const data = await loadData(dataPath, dataFormat(args.format), args.seed)
  process.stderr.write(`${describeData(data)}\n`)
  if (data.format === 'synthetic') throw new CliUsageError('--data synthetic: the service would generate its own dataset; pass a file or a dataset directory')
  let modelsDir = args['models-dir']
  if (modelsDir === undefined) {
    modelsDir = await resources.tempDir('quality-models')
    await resources.run('src/cli/distill.ts', [
      '--data', dataPath, '--format', args.format, '--seed', String(args.seed), '--models-dir', modelsDir, '--losses', 'task', '--epochs', String(args.epochs)
    ])
  }

  const longest = data.split.test.reduce((max, c) => Math.max(max, c.history.length), 0)
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const dir = await resources.tempDir('quality-service')
  const log = join(dir, 'service.log')
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_PATH: data.source,
    DATA_FORMAT: data.format,
    MODELS_DIR: modelsDir,
    MAX_HISTORY: String(Math.max(200, longest)),
    CACHE_TTL_MS: '0',
    LOG_LEVEL: 'warn',
    EVENT_LOG_PATH: join(dir, 'events.jsonl')
  }
  const child = await resources.start('src/server.ts', env, `${origin}/health/ready`, log)
  let answers: Answer[]
  try {
    const ready = await (await fetch(`${origin}/health/ready`)).json() as { model: { version: number, kind: string } }
    if (ready.model.kind !== 'student') throw new Error(`the service serves ${ready.model.kind} v${ready.model.version}: no valid student in ${modelsDir}`)
    const started = performance.now()
    answers = await askAll(origin, data, args.concurrency)
    process.stderr.write(`${answers.length} test cases served in ${((performance.now() - started) / 1000).toFixed(1)} s (MAX_HISTORY ${env.MAX_HISTORY})\n`)
  } catch (err) {
    process.stderr.write(`last lines of the service log:\n${await logTail(log)}\n`)
    throw err
  } finally {
    await resources.stop(child)
  }

  const served = score(data, answers)
  const versions = [...new Set(answers.map((a) => a.modelVersion))]
  const rows = await evalMain([
    '--data', dataPath, '--format', args.format, '--seed', String(args.seed), '--models-dir', modelsDir, '--models', 'student', '--student-version', String(versions[0])
  ], (line) => process.stderr.write(line + '\n'))
  const offline = rows?.[0]
  if (offline === undefined) throw new Error('eval returned no row')

  const compare = (name: string, a: number, b: number): string[] =>
    [name, fixed(a, 6), fixed(b, 6), (a - b).toExponential(2), Math.abs(a - b) <= EQUAL_TOLERANCE ? 'EQUAL' : 'DIFFERENT']
  console.log(`\n${data.source}: ${data.split.test.length} test cases, student v${versions.join(', v')} (eval v${offline.version})\n`)
  console.log(markdownTable(['metric', 'served (HTTP)', 'npm run eval', 'served - eval', `equal within ${EQUAL_TOLERANCE}`], [
    compare(`NDCG@${K}`, served.ndcg, offline.ndcg),
    compare(`HR@${K}`, served.hr, offline.hr)
  ]))
  console.log(`\nanswers with source student: ${served.student} of ${answers.length}; answers with fewer than ${K} items: ${served.short}; ` +
    `test cases whose target is in their own history (served masks it, eval does not): ${served.targetInHistory}`)
}

/** Every test case as POST /recommend, `concurrency` in flight; answers in test-case order. */
async function askAll (origin: string, data: LoadedData, concurrency: number): Promise<Answer[]> {
  const cases = data.split.test
  const items = data.dataset.items
  const answers: Answer[] = new Array(cases.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const i = next++
      const history = Array.from(cases[i].history, (index) => items.id(index))
      const response = await fetch(`${origin}/recommend`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ history, k: K })
      })
      const text = await response.text()
      if (!response.ok) throw new Error(`test case ${i} (user ${data.dataset.users.id(cases[i].user)}): ${response.status} ${text.slice(0, 300)}`)
      answers[i] = JSON.parse(text) as Answer
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return answers
}

/** Means over test cases, as evaluate() computes them, from the served top-10 lists. */
function score (data: LoadedData, answers: readonly Answer[]): { ndcg: number, hr: number, student: number, short: number, targetInHistory: number } {
  let ndcg = 0
  let hr = 0
  let student = 0
  let short = 0
  let targetInHistory = 0
  data.split.test.forEach((c, i) => {
    const answer = answers[i]
    const target = data.dataset.items.id(c.target)
    const rank = answer.items.find((item) => item.itemId === target)?.rank ?? Infinity
    ndcg += ndcgAtK(rank, K)
    hr += hitAtK(rank, K)
    if (answer.source === 'student') student++
    if (answer.items.length < K) short++
    if (c.history.includes(c.target)) targetInHistory++
  })
  const n = answers.length
  return { ndcg: ndcg / n, hr: hr / n, student, short, targetInHistory }
}

runCli(async () => { await main(process.argv.slice(2)) })
