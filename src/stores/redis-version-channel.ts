import type { Redis } from 'ioredis'
import { assertVersion } from './memory-version-channel.js'
import type { VersionChannel } from './version-channel.js'

export interface RedisVersionChannelOptions {
  /** For commands; owned by the caller. */
  client: Redis
  /** A connection of its own for SUBSCRIBE (a subscribed connection takes no other commands); owned by the caller. */
  subscriber: Redis
  prefix: string
}

/**
 * `<prefix>model:student:active` holds the version; PUBLISH on `<prefix>model:student:activated`
 * announces it, in one MULTI. After every (re)connection of the subscriber the stored version is
 * read and handed to the listeners, so announcements missed while disconnected are caught up.
 */
export class RedisVersionChannel implements VersionChannel {
  readonly #client: Redis
  readonly #subscriber: Redis
  readonly #key: string
  readonly #channel: string
  readonly #listeners = new Set<(version: number) => void>()

  constructor ({ client, subscriber, prefix }: RedisVersionChannelOptions) {
    this.#client = client
    this.#subscriber = subscriber
    this.#key = `${prefix}model:student:active`
    this.#channel = `${prefix}model:student:activated`
  }

  async activate (version: number): Promise<void> {
    assertVersion(version)
    await this.#client.multi().set(this.#key, String(version)).publish(this.#channel, String(version)).exec()
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
