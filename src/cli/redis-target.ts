import type { Redis } from 'ioredis'
import { loadConfig } from '../config.js'
import { closeRedis, createRedisClient, waitForRedis } from '../stores/redis-client.js'
import { CliUsageError } from './args.js'

/** The options of every CLI that writes to the service's Redis. */
export const REDIS_OPTIONS = {
  'redis-url': { type: 'string', description: 'Redis to write to (default: REDIS_URL, else redis://127.0.0.1:6379)' },
  prefix: { type: 'string', description: 'key namespace (default: REDIS_PREFIX, else distillrec:)' }
} as const

const CONNECT_TIMEOUT_MS = 5000
/** A batch job, not a request path: a busy Redis may take a while for a large batch. */
const COMMAND_TIMEOUT_MS = 30_000

export interface RedisTarget {
  url: string
  prefix: string
}

/** `--redis-url` and `--prefix`, else what the service reads from `env` (REDIS_URL, REDIS_PREFIX). */
export function redisTarget (args: { 'redis-url'?: string, prefix?: string }, env: Record<string, string | undefined>): RedisTarget {
  // config is read only when an option is missing: with both given, a stray variable does not matter
  const service = (): ReturnType<typeof loadConfig> => loadConfig(env)
  const url = checkUrl(args['redis-url']) ?? service().redisUrl ?? 'redis://127.0.0.1:6379'
  return { url, prefix: args.prefix ?? service().redisPrefix }
}

/** Runs `work` on a connected client and always closes it; REDIS_UNAVAILABLE when Redis does not answer. */
export async function withRedis<T> (url: string, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = createRedisClient(url, { commandTimeoutMs: COMMAND_TIMEOUT_MS, connectTimeoutMs: CONNECT_TIMEOUT_MS })
  try {
    if (!(await waitForRedis(client, CONNECT_TIMEOUT_MS))) {
      throw Object.assign(new Error(`Redis at ${redacted(url)} did not answer within ${CONNECT_TIMEOUT_MS / 1000} s`), { code: 'REDIS_UNAVAILABLE' })
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

function checkUrl (url: string | undefined): string | undefined {
  if (url === undefined) return undefined
  let protocol = ''
  try {
    protocol = new URL(url).protocol
  } catch {}
  if (protocol !== 'redis:' && protocol !== 'rediss:') throw new CliUsageError(`--redis-url must be a URL like redis://host:6379, got ${JSON.stringify(url)}`)
  return url
}
