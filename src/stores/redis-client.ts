import { once } from 'node:events'
import { type Cluster, Redis, type RedisOptions } from 'ioredis'

/**
 * What every store takes: one server (standalone, or the primary Sentinel names) or a Redis
 * Cluster. Keys a script or MULTI touches together share a hash tag (redis-keys.ts), so both work.
 */
export type RedisConnection = Redis | Cluster

/** The part of a pino logger the stores use; a pino logger (or child) fits as is. */
export interface StoreLogger {
  info (obj: object, msg?: string): void
  warn (obj: object, msg?: string): void
  error (obj: object, msg?: string): void
}

export interface RedisClientOptions {
  log?: StoreLogger
  /** Called on every up/down transition (not on every failed reconnect attempt). */
  onStatus?: (up: boolean) => void
  commandTimeoutMs?: number
  connectTimeoutMs?: number
  /** Cap of the exponential reconnect backoff. */
  maxRetryDelayMs?: number
}

const DEFAULTS = {
  commandTimeoutMs: 500,
  connectTimeoutMs: 1000,
  maxRetryDelayMs: 2000
}

const ERROR_LOG_INTERVAL_MS = 10_000

/** Reconnect delay for the n-th attempt (1-based): 50 ms doubling, capped; never gives up. */
export function retryDelayMs (attempt: number, maxMs: number): number {
  return Math.min(50 * 2 ** Math.min(Math.max(attempt - 1, 0), 20), maxMs)
}

/**
 * A client for a service that must never hang on Redis: while disconnected, commands fail at
 * once (no offline queue) instead of piling up; a command on a stalled connection fails after
 * commandTimeoutMs; the client reconnects on its own, forever. Connection errors are logged
 * (once per outage), never left as unhandled 'error' events.
 * Commands sent before the first 'ready' fail too: see waitForRedis.
 * For Sentinel and Cluster, see createRedisConnection (redis-connection.ts).
 */
export function createRedisClient (url: string, options: RedisClientOptions = {}): Redis {
  return watchConnection(new Redis(url, neverHangOptions(options)), options)
}

/** The options that keep one connection from hanging (see createRedisClient). */
export function neverHangOptions (options: RedisClientOptions): RedisOptions {
  const { commandTimeoutMs, connectTimeoutMs, maxRetryDelayMs } = { ...DEFAULTS, ...withoutUndefined(options) }
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    retryStrategy: (attempt) => retryDelayMs(attempt, maxRetryDelayMs),
    // a command in flight when the connection dropped has already failed its caller (by the
    // command timeout at the latest): replaying it after a reconnect would be a surprise write
    autoResendUnfulfilledCommands: false,
    // disconnect() during a reconnect arms this timer on the already-closed socket, where nothing
    // clears it: the 2 s default would hold the process open that long after closeRedis
    disconnectTimeout: 200
  }
}

/** Logs up/down once per transition (errors once per outage) and calls onStatus; returns the client. */
export function watchConnection<C extends RedisConnection> (client: C, { log, onStatus }: RedisClientOptions): C {
  let up = false
  let errorsWhileDown = 0
  // a cluster stays up while one node is away: its errors are logged once every 10 s at most
  let lastErrorLoggedAt = -Infinity
  const report = (next: boolean): void => {
    if (next === up) return
    up = next
    if (next) log?.info({ event: 'redis_up' }, 'redis connection ready')
    else log?.warn({ event: 'redis_down' }, 'redis connection lost')
    try {
      onStatus?.(next)
    } catch (err) {
      log?.error({ err }, 'redis onStatus callback threw')
    }
  }
  client.on('ready', () => {
    errorsWhileDown = 0
    report(true)
  })
  client.on('close', () => report(false))
  client.on('error', (err: Error) => {
    const now = Date.now()
    if (up ? now - lastErrorLoggedAt < ERROR_LOG_INTERVAL_MS : errorsWhileDown++ > 0) return
    lastErrorLoggedAt = now
    log?.warn({ err }, 'redis error')
  })
  return client
}

/** Resolves true once the client is ready, false after timeoutMs (the client keeps retrying). */
export async function waitForRedis (client: RedisConnection, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return true
  if (client.status === 'end') return false
  return await new Promise((resolve) => {
    const done = (ready: boolean): void => {
      clearTimeout(timer)
      client.off('ready', onReady)
      resolve(ready)
    }
    const onReady = (): void => done(true)
    const timer = setTimeout(() => done(false), timeoutMs)
    client.on('ready', onReady)
  })
}

/**
 * Quits gracefully (pending replies first) when connected and waits for the socket to close;
 * when not connected, or on failure, disconnects, which also stops reconnecting. Idempotent.
 */
export async function closeRedis (client: RedisConnection, timeoutMs = 1000): Promise<void> {
  if (client.status === 'end') return
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('quit timed out')), timeoutMs)
    })
    try {
      await Promise.race([Promise.all([client.quit(), once(client, 'end')]), timeout])
      // through Sentinel, quit leaves the failover detector's sentinel connections open
      // (reconnecting each minute): disconnect also closes those
      if (!client.isCluster) client.disconnect()
      return
    } catch {
      // falls back to disconnect below
    } finally {
      clearTimeout(timer)
    }
  }
  client.disconnect()
}

function withoutUndefined<T extends object> (options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>
}
