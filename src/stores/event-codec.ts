import type { Interaction } from '../data/dataset.js'
import { StoreError } from './store-error.js'

/**
 * Every event log refuses what it could not read back intact: ids must be strings, ts a finite
 * number (JSON turns NaN into null), and an eventId, when present, a non-empty string.
 */
export function assertInteraction (event: Interaction): void {
  if (typeof event?.userId !== 'string' || typeof event.itemId !== 'string' ||
      typeof event.ts !== 'number' || !Number.isFinite(event.ts) ||
      (event.eventId !== undefined && (typeof event.eventId !== 'string' || event.eventId.length === 0))) {
    throw new StoreError('EVENT_INVALID', `not a loggable interaction: ${safeJson(event)}`)
  }
}

/** A copy holding only the Interaction's own fields (eventId only when present). */
export function toInteraction ({ userId, itemId, ts, eventId }: Interaction): Interaction {
  return eventId === undefined ? { userId, itemId, ts } : { userId, itemId, ts, eventId }
}

/** One JSON Lines record, newline included. */
export function toJsonLine (event: Interaction): string {
  return JSON.stringify(toInteraction(event)) + '\n'
}

/** Parses one complete line; a line that is complete yet unreadable is corruption, not a torn write. */
export function fromJsonLine (line: string, lineNo: number): Interaction {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (err) {
    throw new StoreError('EVENT_LOG_CORRUPT', `line ${lineNo} is not JSON`, { cause: err })
  }
  const { userId, itemId, ts, eventId } = (value ?? {}) as Partial<Interaction>
  if (typeof userId !== 'string' || typeof itemId !== 'string' || typeof ts !== 'number' ||
      (eventId !== undefined && typeof eventId !== 'string')) {
    throw new StoreError('EVENT_LOG_CORRUPT', `line ${lineNo} is not an interaction`)
  }
  return toInteraction({ userId, itemId, ts, eventId })
}

/** The eventId of a complete line, for rebuilding a log's dedupe memory; undefined if none or unreadable. */
export function eventIdOfLine (line: string): string | undefined {
  // most lines of an old log carry none: skip the parse
  if (!line.includes('"eventId"')) return undefined
  try {
    const { eventId } = JSON.parse(line) as Partial<Interaction>
    return typeof eventId === 'string' && eventId.length > 0 ? eventId : undefined
  } catch {
    return undefined
  }
}

function safeJson (value: unknown): string {
  try {
    return String(JSON.stringify(value)).slice(0, 200)
  } catch {
    return String(value)
  }
}
