import { Cluster, Redis } from 'ioredis'
import type { RedisTopology } from '../config.js'
import { createRedisClient, neverHangOptions, type RedisClientOptions, type RedisConnection, retryDelayMs, watchConnection } from './redis-client.js'

export interface RedisConnectionOptions extends RedisClientOptions {
  /** Cluster only: one more connection per primary for SSUBSCRIBE (the version channel's subscriber). */
  shardedSubscribers?: boolean
}

/** Redirections (MOVED, ASK, a failed-over node) a cluster command follows before it fails. */
const MAX_REDIRECTIONS = 8

/**
 * The one place a Redis client is made, for each deployment: one server by URL, the primary
 * that Sentinel names (found again after a failover), or a Redis Cluster (MOVED and ASK followed
 * by the client). All three keep createRedisClient's promise: no offline queue, a command timeout,
 * reconnecting forever, up/down logged once per transition.
 */
export function createRedisConnection (topology: RedisTopology, options: RedisConnectionOptions = {}): RedisConnection {
  if (topology.mode === 'standalone') return createRedisClient(topology.url, options)
  const tls = topology.tls ? {} : undefined
  if (topology.mode === 'sentinel') {
    return watchConnection(new Redis({
      ...neverHangOptions(options),
      sentinels: topology.sentinels,
      name: topology.name,
      password: topology.password,
      sentinelPassword: topology.sentinelPassword,
      tls,
      enableTLSForSentinelMode: topology.tls,
      // hears +switch-master from the sentinels, so a promotion is followed before the old
      // primary's socket times out
      failoverDetector: true,
      // a primary demoted while this connection stayed open answers writes with READONLY: find
      // the new one
      reconnectOnError: (err) => err.message.startsWith('READONLY')
    }), options)
  }
  const perNode = neverHangOptions(options)
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 2000
  return watchConnection(new Cluster(topology.nodes, {
    enableOfflineQueue: false,
    clusterRetryStrategy: (attempt) => retryDelayMs(attempt, maxRetryDelayMs),
    maxRedirections: MAX_REDIRECTIONS,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    shardedSubscribers: options.shardedSubscribers === true,
    // node connections keep ioredis's own offline queue (a node it just discovered is not connected
    // yet); the command timeout still bounds every command
    redisOptions: {
      commandTimeout: perNode.commandTimeout,
      connectTimeout: perNode.connectTimeout,
      maxRetriesPerRequest: perNode.maxRetriesPerRequest,
      autoResendUnfulfilledCommands: false,
      disconnectTimeout: perNode.disconnectTimeout,
      password: topology.password,
      tls
    }
  }), options)
}
