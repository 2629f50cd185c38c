import type { Interaction } from '../data/dataset.js'
import { assertPositiveInt } from './store-error.js'

/**
 * The most recent `max` event ids, oldest forgotten first: the dedupe memory of the stores that
 * keep it in process. An id older than the last `max` is no longer recognised.
 */
export class SeenIds {
  readonly #max: number
  readonly #ids = new Set<string>()

  constructor (max = Infinity) {
    if (max !== Infinity) assertPositiveInt('maxEventIds', max)
    this.#max = max
  }

  /** Remembers `id`; false when it was already remembered. */
  add (id: string): boolean {
    if (this.#ids.has(id)) return false
    this.#ids.add(id)
    if (this.#ids.size > this.#max) this.#ids.delete(this.#ids.values().next().value as string)
    return true
  }

  clear (): void {
    this.#ids.clear()
  }
}

/**
 * Yields each eventId once (its first copy) and every event without one; for readAll, so training
 * data never counts a retried event twice even where a log holds two copies. The ids of one pass
 * are kept for that pass.
 */
export async function * oncePerEventId (events: AsyncIterable<Interaction>): AsyncIterable<Interaction> {
  const seen = new Set<string>()
  for await (const event of events) {
    if (event.eventId !== undefined) {
      if (seen.has(event.eventId)) continue
      seen.add(event.eventId)
    }
    yield event
  }
}
