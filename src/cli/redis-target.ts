import { loadConfig, type RedisTopology } from '../config.js'
import { closeRedis, type RedisConnection, waitForRedis } from '../stores/redis-client.js'
import { createRedisConnection } from '../stores/redis-connection.js'
import { CliUsageError } from './args.js'

/** The options of every CLI that writes to the service's Redis. */
export const REDIS_OPTIONS = {
  'redis-url': { type: 'string', description: 'Redis to write to (default: REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES, else redis://127.0.0.1:6379)' },
  prefix: { type: 'string', description: 'key namespace (default: REDIS_PREFIX, else distillrec:)' }
} as const

const CONNECT_TIMEOUT_MS = 5000
/** A batch job, not a request path: a busy Redis may take a while for a large batch. */
const COMMAND_TIMEOUT_MS = 30_000

export interface RedisTarget {
  topology: RedisTopology
  /** The target for messages, without a password. */
  url: string
  prefix: string
}

/** `--redis-url` and `--prefix`, else what the service reads from `env` (REDIS_URL or the sentinels or cluster nodes, REDIS_PREFIX). */
export function redisTarget (args: { 'redis-url'?: string, prefix?: string }, env: Record<string, string | undefined>): RedisTarget {
  // config is read only when an option is missing: with both given, a stray variable does not matter
  const service = (): ReturnType<typeof loadConfig> => loadConfig(env)
  const url = checkUrl(args['redis-url'])
  const topology: RedisTopology = url !== undefined ? { mode: 'standalone', url } : service().redis ?? { mode: 'standalone', url: 'redis://127.0.0.1:6379' }
  return { topology, url: described(topology), prefix: args.prefix ?? service().redisPrefix }
}

/** Runs `work` on a connected client and always closes it; REDIS_UNAVAILABLE when Redis does not answer. */
export async function withRedis<T> (topology: RedisTopology, work: (client: RedisConnection) => Promise<T>): Promise<T> {
  const client = createRedisConnection(topology, { commandTimeoutMs: COMMAND_TIMEOUT_MS, connectTimeoutMs: CONNECT_TIMEOUT_MS })
  try {
    if (!(await waitForRedis(client, CONNECT_TIMEOUT_MS))) {
      throw Object.assign(new Error(`Redis at ${described(topology)} did not answer within ${CONNECT_TIMEOUT_MS / 1000} s`), { code: 'REDIS_UNAVAILABLE' })
    }
    return await work(client)
  } finally {
    await closeRedis(client)
  }
}

/** A URL for messages: the password masked. */
export function redacted (url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return url
  }
}

function described (topology: RedisTopology): string {
  if (topology.mode === 'standalone') return redacted(topology.url)
  const endpoints = (topology.mode === 'sentinel' ? topology.sentinels : topology.nodes).map(({ host, port }) => `${host}:${port}`).join(',')
  return topology.mode === 'sentinel' ? `sentinel ${topology.name} via ${endpoints}` : `cluster ${endpoints}`
}

function checkUrl (url: string | undefined): string | undefined {
  if (url === undefined) return undefined
  let protocol = ''
  try {
    protocol = new URL(url).protocol
  } catch {}
  if (protocol !== 'redis:' && protocol !== 'rediss:') throw new CliUsageError(`--redis-url must be a URL like redis://host:6379, got ${JSON.stringify(url)}`)
  return url
}
