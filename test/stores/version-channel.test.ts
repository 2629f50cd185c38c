import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import type { ChannelMessage } from '../../src/stores/channel-message.js'
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
    t.after(await replica.subscribe((m) => { if (m.kind === 'version') heard.push(m.version) }))
    await worker.activate(12)
    for (let i = 0; i < 100 && !heard.includes(12); i++) await sleep(10)
    assert.ok(heard.includes(12))
    assert.equal(await redis.client().get(`${prefix}model:student:active`), '12')
    assert.equal(await replica.active(), 12)
  })
  const until = async (check: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 200 && !check(); i++) await sleep(10)
    assert.ok(check(), `not within 2 s: ${what}`)
  }

  it('reads what an older replica publishes (a bare version number) and ignores payloads it does not know', async (t) => {
    const prefix = redis.prefix()
    const replica = await channelOn(prefix)
    t.after(async () => await replica.close())
    const heard: ChannelMessage[] = []
    t.after(await replica.subscribe((m) => heard.push(m)))
    const channel = `${prefix}model:student:activated`
    for (const payload of ['12', 'garbage', '{"kind":"rollout","id":3}', '{"kind":"experiment","id":-1}', '0', '{"kind":"experiment","id":7}']) {
      await redis.client().publish(channel, payload)
    }
    await until(() => heard.length >= 2, 'both readable payloads heard')
    await sleep(50)
    assert.deepEqual(heard, [{ kind: 'version', version: 12 }, { kind: 'experiment', id: 7 }])
  })

  it('is heard by an older replica, which follows activations and ignores experiment announcements', async (t) => {
    const prefix = redis.prefix()
    const worker = await channelOn(prefix)
    t.after(async () => await worker.close())
    // an older replica's subscriber, as it read the channel before experiments were announced on it
    const old = createRedisClient(redisUrl())
    t.after(async () => await closeRedis(old))
    await waitForRedis(old, 2000)
    const followed: number[] = []
    old.on('message', (_channel: string, message: string) => {
      const version = Number(message)
      if (Number.isSafeInteger(version) && version > 0) followed.push(version)
    })
    await old.subscribe(`${prefix}model:student:activated`)
    await worker.announceExperiment(2)
    await worker.activate(8)
    await worker.announceExperiment(3)
    await worker.activate(9)
    await until(() => followed.includes(9), 'the older replica follows v9')
    assert.deepEqual(followed, [8, 9])
  })

  it('after its subscriber reconnects, says so and replays the active version, then hears announcements again', async (t) => {
    const prefix = redis.prefix()
    const replica = await channelOn(prefix)
    t.after(async () => await replica.close())
    await replica.activate(4)
    const heard: ChannelMessage[] = []
    t.after(await replica.subscribe((m) => heard.push(m)))
    subscribers.at(-1)?.disconnect(true)
    await until(() => heard.some((m) => m.kind === 'version' && m.version === 4), 'the active version replayed')
    assert.deepEqual(heard.slice(0, 2), [{ kind: 'reconnected' }, { kind: 'version', version: 4 }])
    // resubscribed: a later announcement is heard
    await until(() => subscribers.at(-1)?.status === 'ready', 'the subscriber ready again')
    for (let i = 0; i < 100 && !heard.some((m) => m.kind === 'experiment'); i++) {
      await replica.announceExperiment(5)
      await sleep(20)
    }
    assert.ok(heard.some((m) => m.kind === 'experiment' && m.id === 5))
  })
})
