import type { Interaction } from '../data/dataset.js'

export interface AppendResult {
  /** Events this call logged; the others carried an eventId the log already held. */
  added: number
}

/**
 * Append-only, durable log of interactions that re-distillation trains on.
 * `append` resolves only once the events are durable: an acknowledged event is never lost,
 * also across a restart of the process. An event whose eventId the log already holds (within
 * the log's dedupe window) is not logged again, including a second copy in the same batch, so
 * a retry after an unknown outcome (a timeout, a lost answer) adds nothing twice. Events
 * without an eventId are always logged.
 */
export interface EventLog {
  /**
   * Every implementation here resolves an AppendResult; `void` is still allowed only for
   * wrappers that do not pass it on yet (callers then count every event as added).
   */
  append (events: readonly Interaction[]): Promise<AppendResult | void>
  /** Every logged event, oldest first, each eventId once (its first copy). */
  readAll (): AsyncIterable<Interaction>
  close (): Promise<void>
}

/** `added` of an append's result, counting every event when a wrapper did not pass it on. */
export function addedBy (result: AppendResult | void, events: readonly Interaction[]): number {
  return typeof result === 'object' ? result.added : events.length
}
