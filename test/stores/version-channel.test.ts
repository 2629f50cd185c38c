import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import { MemoryVersionChannel } from '../../src/stores/memory-version-channel.js'
import { closeRedis, createRedisClient, waitForRedis } from '../../src/stores/redis-client.js'
import { RedisVersionChannel } from '../../src/stores/redis-version-channel.js'
import { redisSkipReason, redisUrl, useRedis } from '../helpers/redis.js'
import { versionChannelContract } from './version-channel.contract.js'

describe('MemoryVersionChannel', () => {
  versionChannelContract('honours the VersionChannel contract', () => new MemoryVersionChannel())
})

describe('RedisVersionChannel', { skip: await redisSkipReason() }, () => {
  const redis = useRedis()
  const subscribers: Redis[] = []
  const channelOn = async (prefix: string): Promise<RedisVersionChannel> => {
    const subscriber = createRedisClient(redisUrl())
    subscribers.push(subscriber)
    await waitForRedis(subscriber, 2000)
    const channel = new RedisVersionChannel({ client: redis.client(), subscriber, prefix })
    const close = channel.close.bind(channel)
    channel.close = async () => { await close(); await closeRedis(subscriber) }
    return channel
  }
  versionChannelContract('honours the VersionChannel contract', async () => await channelOn(redis.prefix()))

  it('tells one replica what another activated, and keeps it under <prefix>model:student:active', async (t) => {
    const prefix = redis.prefix()
    const worker = await channelOn(prefix)
    const replica = await channelOn(prefix)
    t.after(async () => { await worker.close(); await replica.close() })
    const heard: number[] = []
    t.after(await replica.subscribe((v) => heard.push(v)))
    await worker.activate(12)
    for (let i = 0; i < 100 && !heard.includes(12); i++) await sleep(10)
    assert.ok(heard.includes(12))
    assert.equal(await redis.client().get(`${prefix}model:student:active`), '12')
    assert.equal(await replica.active(), 12)
  })
})
