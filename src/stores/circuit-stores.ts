import type { Interaction } from '../data/dataset.js'
import type { Cache } from './cache.js'
import type { AppendResult, EventLog } from './event-log.js'
import type { Circuit } from './redis-circuit.js'

/**
 * Redis stores behind the client's breaker: while it is open every call fails at once with a
 * CircuitOpenError and Redis is not asked; while closed, each outcome is counted by the breaker.
 * The inner store is owned: close() closes it.
 */
export class CircuitCache implements Cache {
  constructor (private readonly inner: Cache, private readonly circuit: Circuit) {}

  async get (key: string): Promise<Buffer | null> {
    return await this.circuit.call(async () => await this.inner.get(key))
  }

  async set (key: string, value: Buffer, ttlMs: number): Promise<void> {
    await this.circuit.call(async () => await this.inner.set(key, value, ttlMs))
  }

  async close (): Promise<void> {
    await this.inner.close()
  }
}

/** Appends fail at once while the breaker is open, so POST /events answers 503 without waiting. */
export class CircuitEventLog implements EventLog {
  constructor (private readonly inner: EventLog, private readonly circuit: Circuit) {}

  async append (events: readonly Interaction[]): Promise<AppendResult | void> {
    return await this.circuit.call(async () => await this.inner.append(events))
  }

  /** Not on the request path (start-up and replays): not gated. */
  readAll (): AsyncIterable<Interaction> {
    return this.inner.readAll()
  }

  async close (): Promise<void> {
    await this.inner.close()
  }
}
