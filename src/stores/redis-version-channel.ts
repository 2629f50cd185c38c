import { decodeAnnouncement, encodeAnnouncement, type ChannelMessage } from './channel-message.js'
import type { RedisConnection } from './redis-client.js'
import { assertExperimentId, assertVersion } from './memory-version-channel.js'
import { keysFor } from './redis-keys.js'
import { RedisScript } from './redis-script.js'
import type { VersionChannel } from './version-channel.js'

// KEYS: active, fence, channel; ARGV: version, fence (0 = none). The stored version and the
// announcement are the same bare number (channel-message.ts: the payload every replica reads).
const activate = (publish: 'PUBLISH' | 'SPUBLISH'): RedisScript => new RedisScript(`
local fence = tonumber(ARGV[2])
if fence > 0 then
  if fence <= tonumber(redis.call('GET', KEYS[2]) or '0') then return 0 end
  redis.call('SET', KEYS[2], ARGV[2])
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('${publish}', KEYS[3], ARGV[1])
return 1`)
const ACTIVATE = activate('PUBLISH')
const ACTIVATE_SHARDED = activate('SPUBLISH')

// KEYS: counter; ARGV: floor
const RESERVE = new RedisScript(`
local floor = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < floor then redis.call('SET', KEYS[1], floor) end
return redis.call('INCR', KEYS[1])`)

/** A (re)connection of the subscriber, or on a cluster of one of its subscriber connections: what was missed is caught up. */
const CATCH_UP_EVENTS = ['ready', '+subscriber', 'subscribersReady'] as const

export interface RedisVersionChannelOptions {
  /** For commands; owned by the caller. */
  client: RedisConnection
  /**
   * A connection of its own for SUBSCRIBE (a subscribed connection takes no other commands); owned
   * by the caller. On a cluster the channel is sharded: SPUBLISH reaches only the shard that owns
   * the channel's slot and SSUBSCRIBE listens there, instead of every PUBLISH crossing every node
   * of the cluster bus; the subscriber is then a cluster client made with `shardedSubscribers`
   * (createRedisConnection). A client that only announces (npm run activate) may pass itself.
   */
  subscriber: RedisConnection
  prefix: string
}

/**
 * `<prefix>model:student:active` holds the version; PUBLISH on `<prefix>model:student:activated`
 * announces it, in one script that also checks and raises the fence (`...:fence`, the highest
 * run token that activated). `...:next` counts the tokens that `reserve` hands out. Experiment
 * changes are published on the same channel (payloads: channel-message.ts), so one subscription
 * per replica hears both, in the order they were published. After every (re)connection of the
 * subscriber the listeners hear `reconnected`, then the stored version, so what was missed while
 * disconnected is caught up. On a cluster the four keys share the tag `{model:student}` (redis-keys.ts).
 */
export class RedisVersionChannel implements VersionChannel {
  readonly #client: RedisConnection
  readonly #subscriber: RedisConnection
  readonly #key: string
  readonly #channel: string
  readonly #fence: string
  readonly #next: string
  readonly #listeners = new Set<(message: ChannelMessage) => void>()
  readonly #sharded: boolean

  constructor ({ client, subscriber, prefix }: RedisVersionChannelOptions) {
    this.#client = client
    this.#subscriber = subscriber
    const keys = keysFor(client, prefix)
    this.#key = keys.activeVersion
    this.#channel = keys.activatedChannel
    this.#fence = keys.fence
    this.#next = keys.nextToken
    // every replica of a cluster must agree: sharded and plain channels never hear each other
    this.#sharded = client.isCluster
    if (this.#sharded && subscriber !== client && !('shardedSubscribers' in subscriber.options && subscriber.options.shardedSubscribers === true)) {
      throw new TypeError('on a cluster the subscriber needs shardedSubscribers: createRedisConnection(topology, { shardedSubscribers: true })')
    }
  }

  async activate (version: number, fence?: number): Promise<boolean> {
    assertVersion(version)
    if (fence !== undefined) assertVersion(fence)
    // the three share a hash tag on a cluster (redis-keys.ts), so the script may touch them together
    return await (this.#sharded ? ACTIVATE_SHARDED : ACTIVATE).run(this.#client, [this.#key, this.#fence, this.#channel], [version, fence ?? 0]) === 1
  }

  async announceExperiment (id: number): Promise<void> {
    assertExperimentId(id)
    const payload = encodeAnnouncement({ kind: 'experiment', id })
    // a cluster client sends SPUBLISH to the shard owning the channel's slot, as the activation script does
    if (this.#sharded) await this.#client.spublish(this.#channel, payload)
    else await this.#client.publish(this.#channel, payload)
  }

  async reserve (floor: number): Promise<number> {
    if (!Number.isSafeInteger(floor) || floor < 0) throw new RangeError(`a floor is a non-negative integer, got ${floor}`)
    return Number(await RESERVE.run(this.#client, [this.#next], [floor]))
  }

  async active (): Promise<number | null> {
    const raw = await this.#client.get(this.#key)
    const version = Number(raw)
    return raw !== null && Number.isSafeInteger(version) && version > 0 ? version : null
  }

  async subscribe (listener: (message: ChannelMessage) => void): Promise<() => Promise<void>> {
    if (this.#listeners.size === 0) await this.#start()
    this.#listeners.add(listener)
    return async () => {
      // one SUBSCRIBE serves every listener: the channel is left with the last of them
      if (!this.#listeners.delete(listener) || this.#listeners.size > 0) return
      await this.#stop()
    }
  }

  async #start (): Promise<void> {
    this.#subscriber.on(this.#sharded ? 'smessage' : 'message', this.#onMessage)
    for (const event of CATCH_UP_EVENTS) this.#subscriber.on(event, this.#catchUp)
    // ioredis resubscribes by itself after a reconnect (autoResubscribe); a first connection that
    // is not ready yet subscribes when it is
    if (this.#subscriber.status === 'ready') await this.#listen()
    else this.#subscriber.once('ready', () => { this.#listen().catch(() => {}) })
  }

  async #listen (): Promise<void> {
    if (this.#sharded) await this.#subscriber.ssubscribe(this.#channel)
    else await this.#subscriber.subscribe(this.#channel)
  }

  async #stop (): Promise<void> {
    this.#subscriber.off(this.#sharded ? 'smessage' : 'message', this.#onMessage)
    for (const event of CATCH_UP_EVENTS) this.#subscriber.off(event, this.#catchUp)
    // best effort: a connection that is down has no subscription left to end, and close must not fail
    if (this.#subscriber.status !== 'ready') return
    if (this.#sharded) await this.#subscriber.sunsubscribe(this.#channel).catch(() => {})
    else await this.#subscriber.unsubscribe(this.#channel).catch(() => {})
  }

  readonly #onMessage = (channel: string, payload: string): void => {
    if (channel !== this.#channel) return
    const message = decodeAnnouncement(payload)
    if (message !== undefined) this.#announce(message)
  }

  readonly #catchUp = (): void => {
    this.#announce({ kind: 'reconnected' })
    this.active().then((version) => { if (version !== null) this.#announce({ kind: 'version', version }) }, () => {})
  }

  #announce (message: ChannelMessage): void {
    for (const listener of [...this.#listeners]) listener(message)
  }

  async close (): Promise<void> {
    this.#listeners.clear()
    await this.#stop()
  }
}
