/**
 * What `include=because` adds to building and writing one /recommend answer, in process (no HTTP,
 * no other process, so it holds on a shared machine): the serving path of the service (history,
 * ranking, filtering, explanation) with its caches off, then the JSON the route sends, for distinct
 * users at k = 10, --concurrency at a time (so rankings share micro-batches as under load), in
 * rounds alternating without and with `because`. Prints CPU µs per answer
 * (process.cpuUsage), the median of --repeats rounds (min-max), for the whole answer and for the
 * JSON alone, and the ratios of the medians.
 *   npm run bench:because-answer -- [--data ../shared/datasets/ml-1m] [--models-dir DIR]
 *     [--users 2000] [--repeats 7] [--k 10] [--concurrency 50]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CliUsageError, parseCli, runCli } from '../src/cli/args.js'
import { inProcessServing, saveFreshStudent } from '../src/cli/in-process-serving.js'
import { Random } from '../src/data/random.js'
import { readDataset } from '../src/data/read-dataset.js'
import { answerJson } from '../src/serving/recommendation-json.js'
import type { Recommendation, RecommendRequest } from '../src/serving/recommender.js'
import { median } from './serve-load.js'

const SPEC = {
  usage: 'npm run bench:because-answer --',
  summary: 'CPU per /recommend answer (serving path + JSON, caches off) without and with include=because, in process.',
  options: {
    data: { type: 'string', default: '../shared/datasets/ml-1m', description: 'dataset folder or file' },
    'models-dir': { type: 'string', description: 'student artifacts (default: a freshly initialised student of the default shape)' },
    users: { type: 'int', default: 2000, description: 'distinct users a round' },
    repeats: { type: 'int', default: 7, description: 'rounds per arm, alternated' },
    k: { type: 'int', default: 10, description: 'items per answer' },
    concurrency: { type: 'int', default: 50, description: 'answers in flight' }
  }
} as const

const cpuUs = (): number => {
  const { user, system } = process.cpuUsage()
  return user + system
}

async function main (argv: readonly string[]): Promise<void> {
  const args = parseCli(SPEC, argv)
  if (args === null) return
  const { dataset, source } = await readDataset(args.data, 'auto', 1)
  if (dataset.users.size < args.users) throw new CliUsageError(`--users ${args.users} is more than the dataset's ${dataset.users.size} users`)
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-because-'))
  try {
    let modelsDir = args['models-dir']
    if (modelsDir === undefined) {
      modelsDir = join(dir, 'models')
      await saveFreshStudent(modelsDir, dataset, 1)
    }
    const { stores, serving } = await inProcessServing(dataset, { DATA_PATH: args.data, MODELS_DIR: modelsDir, EVENT_LOG_PATH: join(dir, 'events.jsonl'), CACHE_TTL_MS: '0' })
    try {
      const users = new Random(3).shuffle([...dataset.users.ids()]).slice(0, args.users)
      const arms = [
        { name: 'without', include: undefined, answer: [] as number[], json: [] as number[] },
        { name: 'include=because', include: ['because' as const], answer: [] as number[], json: [] as number[] }
      ]
      const round = async (include: RecommendRequest['include']): Promise<{ answer: number, json: number }> => {
        const answers: Recommendation[] = []
        let next = 0
        const started = cpuUs()
        await Promise.all(Array.from({ length: args.concurrency }, async () => {
          while (next < users.length) {
            const recommendation = await serving.recommender.recommend({ userId: users[next++], k: args.k, excludeSeen: true, include })
            answers.push(recommendation)
            answerJson(recommendation, 'r')
          }
        }))
        const answer = (cpuUs() - started) / users.length
        const jsonStarted = cpuUs()
        for (const recommendation of answers) answerJson(recommendation, 'r')
        return { answer, json: (cpuUs() - jsonStarted) / users.length }
      }
      const first = await serving.recommender.recommend({ userId: users[0], k: args.k, excludeSeen: true, include: ['because'] })
      if (first.source !== 'student' || first.items.some((i) => i.because?.kind !== 'history')) throw new Error('not an explained student answer')
      for (const arm of arms) await round(arm.include)
      for (let r = 0; r < args.repeats; r++) {
        for (const arm of arms) {
          const { answer, json } = await round(arm.include)
          arm.answer.push(answer)
          arm.json.push(json)
        }
      }
      console.log(`${source}, ${args.users} distinct users a round, k = ${args.k}, ${args.concurrency} in flight, caches off, ${args.repeats} rounds alternated; CPU µs per answer, median (min-max)\n`)
      console.log('| arm | answer + JSON | JSON alone |')
      console.log('|:----|--------------:|-----------:|')
      for (const arm of arms) console.log(`| ${arm.name} | ${summary(arm.answer)} | ${summary(arm.json)} |`)
      const [plain, because] = arms
      console.log(`\nwith / without: answer + JSON ${(median(because.answer) / median(plain.answer)).toFixed(2)}x (+${(median(because.answer) - median(plain.answer)).toFixed(1)} µs), JSON ${(median(because.json) / median(plain.json)).toFixed(2)}x`)
    } finally {
      await serving.close()
      await stores.close()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function summary (values: readonly number[]): string {
  return `${median(values).toFixed(1)} (${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)})`
}

runCli(async () => { await main(process.argv.slice(2)) })
