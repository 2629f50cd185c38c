import type { Interaction } from '../data/dataset.js'
import { assertInteraction } from './event-codec.js'
import type { EventLog } from './event-log.js'

/** In-memory twin of the event logs: durable only for the life of the process. */
export class MemoryEventLog implements EventLog {
  readonly #events: Interaction[] = []

  async append (events: readonly Interaction[]): Promise<void> {
    events.forEach(assertInteraction)
    for (const { userId, itemId, ts } of events) this.#events.push({ userId, itemId, ts })
  }

  async * readAll (): AsyncIterable<Interaction> {
    // a snapshot, so appends during iteration are not seen (as with the file and Redis logs)
    const snapshot = this.#events.slice()
    for (const event of snapshot) yield { ...event }
  }

  async close (): Promise<void> {}
}
