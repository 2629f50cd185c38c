import type { Interaction } from '../data/dataset.js'

/**
 * Append-only, durable log of interactions that re-distillation trains on.
 * `append` resolves only once the events are durable: an acknowledged event is never lost,
 * also across a restart of the process.
 */
export interface EventLog {
  append (events: readonly Interaction[]): Promise<void>
  /** Every logged event, oldest first. */
  readAll (): AsyncIterable<Interaction>
  close (): Promise<void>
}
