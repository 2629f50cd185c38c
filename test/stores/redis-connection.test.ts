import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Cluster, Redis } from 'ioredis'
import { closeRedis } from '../../src/stores/redis-client.js'
import { createRedisConnection } from '../../src/stores/redis-connection.js'
import { freePort } from '../helpers/free-port.js'

describe('createRedisConnection', () => {
  it('keeps the never-hang options through Sentinel, and follows a demoted primary\'s READONLY', async (t) => {
    const port = await freePort()
    const client = createRedisConnection({ mode: 'sentinel', sentinels: [{ host: '127.0.0.1', port }], name: 'main', password: 'pw', tls: false }) as Redis
    t.after(async () => await closeRedis(client))
    const { options } = client
    assert.deepEqual([options.enableOfflineQueue, options.commandTimeout, options.autoResendUnfulfilledCommands, options.name, options.password, options.failoverDetector],
      [false, 500, false, 'main', 'pw', true])
    assert.ok(options.reconnectOnError?.(new Error('READONLY You can\'t write against a read only replica.')))
    assert.ok(!options.reconnectOnError?.(new Error('WRONGTYPE')))
    const started = performance.now()
    await assert.rejects(client.get('k'), /enableOfflineQueue|Stream isn't writeable|Connection is closed/)
    assert.ok(performance.now() - started < 400, 'a command while away fails at once, not after a timeout')
  })

  it('keeps them on a cluster: no offline queue, the command timeout on every node, reconnecting for ever', async (t) => {
    const port = await freePort()
    const client = createRedisConnection({ mode: 'cluster', nodes: [{ host: '127.0.0.1', port }], tls: false }, { shardedSubscribers: true }) as Cluster
    t.after(async () => await closeRedis(client))
    const { options } = client
    assert.deepEqual([options.enableOfflineQueue, options.redisOptions?.commandTimeout, options.shardedSubscribers], [false, 500, true])
    for (const attempt of [1, 10, 1000]) assert.equal(typeof options.clusterRetryStrategy?.(attempt, new Error('down')), 'number', 'never gives up')
    const started = performance.now()
    await assert.rejects(client.get('k'), /enableOfflineQueue|Cluster isn't ready/)
    assert.ok(performance.now() - started < 400, 'a command before the cluster is ready fails at once')
  })
})
