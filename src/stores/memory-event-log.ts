import type { Interaction } from '../data/dataset.js'
import { assertInteraction, toInteraction } from './event-codec.js'
import type { AppendResult, EventLog } from './event-log.js'

/**
 * In-memory twin of the event logs: durable only for the life of the process. It remembers
 * every eventId it logged (as long as the events themselves), so it never logs one twice.
 */
export class MemoryEventLog implements EventLog {
  readonly #events: Interaction[] = []
  readonly #ids = new Set<string>()

  async append (events: readonly Interaction[]): Promise<AppendResult> {
    events.forEach(assertInteraction)
    let added = 0
    for (const event of events) {
      if (event.eventId !== undefined) {
        if (this.#ids.has(event.eventId)) continue
        this.#ids.add(event.eventId)
      }
      this.#events.push(toInteraction(event))
      added++
    }
    return { added }
  }

  async * readAll (): AsyncIterable<Interaction> {
    // a snapshot, so appends during iteration are not seen (as with the file and Redis logs)
    const snapshot = this.#events.slice()
    for (const event of snapshot) yield { ...event }
  }

  async close (): Promise<void> {}
}
