/**
 * Seeds Redis from an interaction dataset, so an API replica serves without reading the dataset:
 * each user's last --history-cap items go to the history store, every item's interaction count
 * (cold users' popularity) to the item-counts store:
 *   npm run import -- --data ../shared/datasets/ml-1m [--prefix distillrec:] [--history-cap 200]
 * By default the import replaces what it writes: each imported user's history and the counts hash
 * are deleted first, so importing the same data twice gives the same state. --no-replace appends to
 * histories and adds to counts instead, for a later log on top of an earlier one. An imported history
 * expires as the service's do, HISTORY_TTL after it was written unless the user is active again.
 */
import { pathToFileURL } from 'node:url'
import type { RedisConnection } from '../stores/redis-client.js'
import { buildDataset } from '../data/build-dataset.js'
import type { Dataset } from '../data/dataset.js'
import { DATA_FORMATS, DataNotFoundError, readInteractions, type DataFormat } from '../data/interaction-reader.js'
import { loadConfig } from '../config.js'
import { RedisHistoryStore } from '../stores/redis-history-store.js'
import { keysFor } from '../stores/redis-keys.js'
import { itemCountsKey, RedisItemCountsStore } from '../stores/redis-item-counts-store.js'
import { CliUsageError, dataFormat, parseCli, required, runCli } from './args.js'
import { redisTarget, REDIS_OPTIONS, withRedis } from './redis-target.js'

/** Users written concurrently: ioredis pipelines their commands on the one connection. */
const USER_BATCH = 200

export const IMPORT_SPEC = {
  usage: 'npm run import --',
  summary: 'Seeds Redis with every user\'s recent history and every item\'s interaction count from a dataset.',
  options: {
    data: { type: 'string', description: 'required: interaction log file or dataset directory (e.g. ../shared/datasets/ml-1m)' },
    format: { type: 'string', default: 'auto', description: DATA_FORMATS.join(' | ') },
    ...REDIS_OPTIONS,
    'history-cap': { type: 'int', description: 'items kept per user, the service\'s cap (default: HISTORY_CAP, else 200)' },
    'no-replace': { type: 'boolean', default: false, description: 'append to stored histories and add to stored counts instead of replacing them' }
  }
} as const

export interface ImportSummary {
  users: number
  items: number
  interactions: number
  seconds: number
}

/** `env` supplies the defaults the service itself would use (REDIS_URL, REDIS_PREFIX, HISTORY_CAP). */
export async function main (
  argv: readonly string[],
  print: (line: string) => void = console.log,
  env: Record<string, string | undefined> = process.env
): Promise<ImportSummary | null> {
  const args = parseCli(IMPORT_SPEC, argv, (text) => print(text.trimEnd()))
  if (args === null) return null
  const started = performance.now()
  const format = dataFormat(args.format)
  const { topology, url, prefix } = redisTarget(args, env)
  const cap = args['history-cap'] ?? loadConfig(env).historyCap
  if (!Number.isInteger(cap) || cap <= 0) throw new CliUsageError(`--history-cap must be a positive integer, got ${cap}`)
  const ttlMs = loadConfig(env).historyTtlMs ?? undefined
  const replace = !args['no-replace']

  const { interactions, file } = await read(required(args.data, 'data'), format)
  const dataset = buildDataset(interactions)
  const users = dataset.users.size
  const items = dataset.items.size
  print(`${file}: ${interactions.length} interactions, ${users} users, ${items} items -> ${url} prefix ${JSON.stringify(prefix)}` +
    `${replace ? '' : ' (adding to what is stored)'}`)

  await withRedis(topology, async (client) => {
    await writeHistories(client, dataset, { prefix, cap, ttlMs, replace, print })
    await writeCounts(client, dataset, { prefix, replace })
  })
  const summary = { users, items, interactions: interactions.length, seconds: (performance.now() - started) / 1000 }
  print(`imported ${summary.users} users, ${summary.items} items, ${summary.interactions} interactions in ${summary.seconds.toFixed(1)} s`)
  return summary
}

async function read (path: string, format: DataFormat): Promise<Awaited<ReturnType<typeof readInteractions>>> {
  try {
    return await readInteractions(path, { format })
  } catch (err) {
    if (err instanceof DataNotFoundError) throw new CliUsageError(`--data: ${err.message}`)
    throw err
  }
}

interface HistoryOptions {
  prefix: string
  cap: number
  ttlMs: number | undefined
  replace: boolean
  print: (line: string) => void
}

async function writeHistories (client: RedisConnection, dataset: Dataset, { prefix, cap, ttlMs, replace, print }: HistoryOptions): Promise<void> {
  const store = new RedisHistoryStore({ client, prefix, maxPerUser: cap, ttlMs })
  // where RedisHistoryStore keeps a user's list (it exposes no delete)
  const keys = keysFor(client, prefix)
  const itemIds = dataset.items.ids()
  const userIds = dataset.users.ids()
  const total = userIds.length
  const step = Math.max(1, Math.ceil(total / 10))
  let nextReport = step
  for (let from = 0; from < total; from += USER_BATCH) {
    const writes: Array<Promise<unknown>> = []
    for (let user = from; user < Math.min(from + USER_BATCH, total); user++) {
      const sequence = dataset.sequences[user]
      const recent = Array.from(sequence.subarray(Math.max(0, sequence.length - cap)), (item) => itemIds[item])
      // sent before the append on the same connection, so Redis runs the DEL first; a reader may
      // see the user without history in between, which a seeding import accepts
      if (replace) writes.push(client.del(keys.history(userIds[user])))
      writes.push(store.append(userIds[user], recent))
    }
    await Promise.all(writes)
    const written = Math.min(from + USER_BATCH, total)
    if (written >= nextReport || written === total) {
      print(`users ${written}/${total} (${Math.round(100 * written / total)}%)`)
      nextReport = (Math.floor(written / step) + 1) * step
    }
  }
}

async function writeCounts (client: RedisConnection, dataset: Dataset, { prefix, replace }: { prefix: string, replace: boolean }): Promise<void> {
  const perItem = new Float64Array(dataset.items.size)
  for (const sequence of dataset.sequences) {
    for (const item of sequence) perItem[item]++
  }
  const itemIds = dataset.items.ids()
  if (replace) await client.del(itemCountsKey(prefix))
  await new RedisItemCountsStore({ client, prefix }).add(new Map(itemIds.map((id, i) => [id, perItem[i]])))
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runCli(async () => { await main(process.argv.slice(2)) })
