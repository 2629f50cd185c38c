import type { Redis } from 'ioredis'
import { assertVersion } from './memory-version-channel.js'
import { RedisScript } from './redis-script.js'
import type { VersionChannel } from './version-channel.js'

// KEYS: active, fence, channel; ARGV: version, fence (0 = none)
const ACTIVATE = new RedisScript(`
local fence = tonumber(ARGV[2])
if fence > 0 then
  if fence <= tonumber(redis.call('GET', KEYS[2]) or '0') then return 0 end
  redis.call('SET', KEYS[2], ARGV[2])
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[3], ARGV[1])
return 1`)

// KEYS: counter; ARGV: floor
const RESERVE = new RedisScript(`
local floor = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < floor then redis.call('SET', KEYS[1], floor) end
return redis.call('INCR', KEYS[1])`)

export interface RedisVersionChannelOptions {
  /** For commands; owned by the caller. */
  client: Redis
  /** A connection of its own for SUBSCRIBE (a subscribed connection takes no other commands); owned by the caller. */
  subscriber: Redis
  prefix: string
}

/**
 * `<prefix>model:student:active` holds the version; PUBLISH on `<prefix>model:student:activated`
 * announces it, in one script that also checks and raises the fence (`...:fence`, the highest
 * run token that activated). `...:next` counts the tokens that `reserve` hands out. After every (re)connection of the subscriber the stored version is
 * read and handed to the listeners, so announcements missed while disconnected are caught up.
 */
export class RedisVersionChannel implements VersionChannel {
  readonly #client: Redis
  readonly #subscriber: Redis
  readonly #key: string
  readonly #channel: string
  readonly #fence: string
  readonly #next: string
  readonly #listeners = new Set<(version: number) => void>()

  constructor ({ client, subscriber, prefix }: RedisVersionChannelOptions) {
    this.#client = client
    this.#subscriber = subscriber
    this.#key = `${prefix}model:student:active`
    this.#channel = `${prefix}model:student:activated`
    this.#fence = `${prefix}model:student:fence`
    this.#next = `${prefix}model:student:next`
  }

  async activate (version: number, fence?: number): Promise<boolean> {
    assertVersion(version)
    if (fence !== undefined) assertVersion(fence)
    // a cluster would need the three keys in one slot; distillrec runs on one Redis
    return await ACTIVATE.run(this.#client, [this.#key, this.#fence, this.#channel], [version, fence ?? 0]) === 1
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

  async subscribe (listener: (version: number) => void): Promise<() => Promise<void>> {
    if (this.#listeners.size === 0) await this.#start()
    this.#listeners.add(listener)
    return async () => {
      // one SUBSCRIBE serves every listener: the channel is left with the last of them
      if (!this.#listeners.delete(listener) || this.#listeners.size > 0) return
      await this.#stop()
    }
  }

  async #start (): Promise<void> {
    this.#subscriber.on('message', this.#onMessage)
    this.#subscriber.on('ready', this.#catchUp)
    // ioredis resubscribes by itself after a reconnect (autoResubscribe); a first connection that
    // is not ready yet subscribes when it is
    if (this.#subscriber.status === 'ready') await this.#subscriber.subscribe(this.#channel)
    else this.#subscriber.once('ready', () => { this.#subscriber.subscribe(this.#channel).catch(() => {}) })
  }

  async #stop (): Promise<void> {
    this.#subscriber.off('message', this.#onMessage)
    this.#subscriber.off('ready', this.#catchUp)
    // best effort: a connection that is down has no subscription left to end, and close must not fail
    if (this.#subscriber.status === 'ready') await this.#subscriber.unsubscribe(this.#channel).catch(() => {})
  }

  readonly #onMessage = (channel: string, message: string): void => {
    const version = Number(message)
    if (channel === this.#channel && Number.isSafeInteger(version) && version > 0) this.#announce(version)
  }

  readonly #catchUp = (): void => {
    this.active().then((version) => { if (version !== null) this.#announce(version) }, () => {})
  }

  #announce (version: number): void {
    for (const listener of [...this.#listeners]) listener(version)
  }

  async close (): Promise<void> {
    this.#listeners.clear()
    await this.#stop()
  }
}
