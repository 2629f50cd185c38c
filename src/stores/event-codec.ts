import type { Interaction } from '../data/dataset.js'
import { StoreError } from './store-error.js'

/**
 * Every event log refuses what it could not read back intact: ids must be strings and ts a
 * finite number (JSON turns NaN into null).
 */
export function assertInteraction (event: Interaction): void {
  if (typeof event?.userId !== 'string' || typeof event.itemId !== 'string' ||
      typeof event.ts !== 'number' || !Number.isFinite(event.ts)) {
    throw new StoreError('EVENT_INVALID', `not a loggable interaction: ${safeJson(event)}`)
  }
}

/** One JSON Lines record, newline included. */
export function toJsonLine ({ userId, itemId, ts }: Interaction): string {
  return JSON.stringify({ userId, itemId, ts }) + '\n'
}

/** Parses one complete line; a line that is complete yet unreadable is corruption, not a torn write. */
export function fromJsonLine (line: string, lineNo: number): Interaction {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (err) {
    throw new StoreError('EVENT_LOG_CORRUPT', `line ${lineNo} is not JSON`, { cause: err })
  }
  const { userId, itemId, ts } = (value ?? {}) as Partial<Interaction>
  if (typeof userId !== 'string' || typeof itemId !== 'string' || typeof ts !== 'number') {
    throw new StoreError('EVENT_LOG_CORRUPT', `line ${lineNo} is not an interaction`)
  }
  return { userId, itemId, ts }
}

function safeJson (value: unknown): string {
  try {
    return String(JSON.stringify(value)).slice(0, 200)
  } catch {
    return String(value)
  }
}
