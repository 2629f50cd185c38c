import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, type TestContext } from 'node:test'
import { Redis } from 'ioredis'
import { closeRedis, createRedisClient, waitForRedis } from '../../src/stores/redis-client.js'

/** REDIS_URL, else the local default. */
export function redisUrl (): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
}

/** A quick PING with a short timeout; never throws, never leaves a connection open. */
export async function redisAvailable (url = redisUrl(), timeoutMs = 500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    disconnectTimeout: 50
  })
  client.on('error', () => {})
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    if (client.status !== 'end') client.disconnect()
  }
}

let defaultAvailable: Promise<boolean> | undefined
const required = (): boolean => process.env.REQUIRE_REDIS === '1'

/**
 * false when Redis answers at redisUrl(); else why Redis tests skip, for `describe(name, { skip })`.
 * With REQUIRE_REDIS=1 nothing is skipped, so the suites run and fail on the missing Redis.
 */
export async function redisSkipReason (): Promise<string | false> {
  defaultAvailable ??= redisAvailable()
  if (required() || await defaultAvailable) return false
  return `Redis does not answer at ${redisUrl()} (start it or set REDIS_URL); REQUIRE_REDIS=1 fails instead`
}

/** For one test: true when Redis answers; else skips `t`, or fails it under REQUIRE_REDIS=1. */
export async function requireOrSkip (t: TestContext): Promise<boolean> {
  defaultAvailable ??= redisAvailable()
  if (await defaultAvailable) return true
  if (required()) throw new Error(`Redis does not answer at ${redisUrl()} and REQUIRE_REDIS=1`)
  t.skip(`Redis does not answer at ${redisUrl()}`)
  return false
}

/** Like redisSkipReason, for tests that spawn their own redis-server. */
export function redisServerSkipReason (): string | false {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' })
  if (required() || (probe.error === undefined && probe.status === 0)) return false
  return 'redis-server is not on PATH; REQUIRE_REDIS=1 fails instead'
}

/** A key prefix no other test run uses: `test:<random>:`. */
export function uniquePrefix (): string {
  return `test:${randomBytes(6).toString('hex')}:`
}

/** Deletes every key under prefix (SCAN MATCH prefix* + DEL); returns how many. */
export async function cleanupPrefix (client: Redis, prefix: string): Promise<number> {
  const pattern = prefix.replace(/[*?[\]\\]/g, '\\$&') + '*'
  let cursor = '0'
  let deleted = 0
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 200)
    cursor = next
    if (keys.length > 0) deleted += await client.del(...keys)
  } while (cursor !== '0')
  return deleted
}

export interface RedisFixture {
  /** The suite's client (connected in `before`). */
  client: () => Redis
  /** A fresh unique prefix, whose keys are deleted in `after`. */
  prefix: () => string
}

/** Call inside a describe: one client for the suite; every key it made is gone afterwards. */
export function useRedis (): RedisFixture {
  let client: Redis | undefined
  const prefixes: string[] = []
  before(async () => {
    client = createRedisClient(redisUrl())
    if (!(await waitForRedis(client, 2000))) throw new Error(`Redis at ${redisUrl()} did not become ready within 2 s`)
  })
  after(async () => {
    if (client === undefined) return
    try {
      for (const prefix of prefixes) await cleanupPrefix(client, prefix)
    } finally {
      await closeRedis(client)
    }
  })
  return {
    client: () => {
      if (client === undefined) throw new Error('useRedis: client used before `before` ran')
      return client
    },
    prefix: () => {
      const prefix = uniquePrefix()
      prefixes.push(prefix)
      return prefix
    }
  }
}

export interface RedisServer {
  port: number
  url: string
  /** Sends a signal: SIGSTOP/SIGCONT stall and resume it without closing its sockets. */
  signal (signal: NodeJS.Signals): void
  /** Kills it (SIGKILL by default) and waits for the exit; idempotent. */
  kill (signal?: NodeJS.Signals): Promise<void>
  /** Graceful stop; idempotent. */
  stop (): Promise<void>
}

/**
 * A throwaway redis-server (no persistence, loopback only) on `port` or a free one.
 * It is killed when this process exits, should a test forget to stop it.
 */
export async function startRedisServer ({ port }: { port?: number } = {}): Promise<RedisServer> {
  const chosen = port ?? await freePort()
  const child = spawn('redis-server', [
    '--port', String(chosen), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--dir', tmpdir()
  ], { stdio: 'ignore' })
  let spawnError: Error | undefined
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    // a failed spawn (no binary) emits 'error' and no 'exit'
    child.once('error', (err) => {
      spawnError = err
      resolve()
    })
  })
  const killOnExit = (): void => { child.kill('SIGKILL') }
  process.once('exit', killOnExit)
  const url = `redis://127.0.0.1:${chosen}`
  const running = (): boolean => spawnError === undefined && child.exitCode === null && child.signalCode === null

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    process.off('exit', killOnExit)
    if (running()) {
      child.kill('SIGCONT')
      child.kill(signal)
    }
    await exited
  }

  const deadline = Date.now() + 5000
  while (!(await redisAvailable(url, 200))) {
    if (!running() || Date.now() > deadline) {
      await kill()
      throw new Error(`redis-server did not start on port ${chosen}`, { cause: spawnError })
    }
    await sleep(25)
  }
  return { port: chosen, url, signal: (s) => { if (running()) child.kill(s) }, kill, stop: async () => await kill('SIGTERM') }
}

async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  await once(server, 'close')
  if (address === null || typeof address === 'string') throw new Error('no TCP port')
  return address.port
}
