import type { Logger } from 'pino'
import type { Interaction } from '../data/dataset.js'
import { ServiceError } from '../errors.js'
import { eventKey } from '../stores/event-id.js'
import { addedBy, type EventLog } from '../stores/event-log.js'
import type { HistoryStore } from '../stores/history-store.js'
import { StoreError } from '../stores/store-error.js'
import { groupByUser } from './group-by-user.js'

/** An event as a client sends it: `ts` absent or null means the time of receipt. */
export interface IncomingEvent {
  userId: string
  itemId: string
  ts?: number | null
  eventId?: string
  /** The /recommend answer that showed the item (attribution). */
  recommendationId?: string
}

/** A logged event as attribution sees it: `key` is its idempotency key (undefined: none). */
export interface AcceptedEvent {
  userId: string
  itemId: string
  ts: number
  key: string | undefined
  recommendationId: string | undefined
}

export interface EventIngestOptions {
  eventLog: EventLog
  history: HistoryStore
  /** Events newly logged (copies of logged eventIds not counted). */
  onIngested?: (count: number) => void
  /** Every event of a batch once the log holds it (retries included: attribution counts a key once). */
  onAccepted?: (events: readonly AcceptedEvent[]) => void
  /** After a user's history changed: drop what was derived from the old one. */
  onUserChanged?: (userId: string) => void
  // Date.now is passed in for testability
  now?: () => number
}

/** A `ts` may be this far ahead of the time of receipt (clients' clocks drift). */
export const TS_MAX_AHEAD_MS = 86_400_000

// a failed append may have been written all the same (a timeout after Redis took the command),
// so the answer cannot say nothing was recorded; what makes the retry safe is the eventId
const LOG_UNCONFIRMED = 'the event log did not confirm the write: the events may or may not have been recorded; ' +
  'retrying is safe for events with an eventId or a ts (each is recorded once); events with neither may be recorded twice'
const HISTORY_INCOMPLETE = 'the events were recorded but the user history was not updated; ' +
  'retrying is safe for events with an eventId or a ts (each is recorded once, and the history completed)'

/**
 * Records a batch of events: each gets its idempotency key (see eventKey), the log is written
 * first, then the whole batch goes to the history every time, both deduplicating by key, so a
 * retry adds nothing twice and completes a history that an earlier attempt logged but did not
 * reach. Failures are ServiceErrors (EVENTS_UNAVAILABLE, with Retry-After) that say what a retry
 * does. The HTTP route only reshapes the body and answers.
 */
export class EventIngest {
  readonly #o: EventIngestOptions

  constructor (options: EventIngestOptions) {
    this.#o = options
  }

  /** Resolves with how many events were accepted (all of them) once they are durable. */
  async ingest (incoming: readonly IncomingEvent[], log: Pick<Logger, 'error'>): Promise<number> {
    const { eventLog, history, onIngested, onAccepted, onUserChanged, now = Date.now } = this.#o
    const receivedAt = now()
    const events: Interaction[] = incoming.map((event, i) => {
      const { userId, itemId, ts } = event
      if (ts != null && ts > receivedAt + TS_MAX_AHEAD_MS) {
        throw new ServiceError('INVALID_REQUEST', `body.events.${i}.ts must be milliseconds since the epoch, at most one day ahead of now`, `events.${i}.ts`)
      }
      const eventId = eventKey(event)
      return eventId === undefined ? { userId, itemId, ts: ts ?? receivedAt } : { userId, itemId, ts: ts ?? receivedAt, eventId }
    })
    let added: number
    try {
      added = addedBy(await eventLog.append(events), events)
    } catch (err) {
      // the log refusing what validation let through is a bug: retrying would not help
      if (err instanceof StoreError && err.code === 'EVENT_INVALID') throw err
      log.error({ err }, 'event log append failed')
      throw new ServiceError('EVENTS_UNAVAILABLE', LOG_UNCONFIRMED, undefined, { 'retry-after': '1' })
    }
    onIngested?.(added)
    onAccepted?.(events.map((e, i) => ({ userId: e.userId, itemId: e.itemId, ts: e.ts, key: e.eventId, recommendationId: incoming[i].recommendationId })))
    for (const [userId, { itemIds, eventIds }] of groupByUser(events)) {
      try {
        await history.append(userId, itemIds, eventIds)
      } catch (err) {
        log.error({ err }, 'history append failed')
        throw new ServiceError('EVENTS_UNAVAILABLE', HISTORY_INCOMPLETE, undefined, { 'retry-after': '1' })
      } finally {
        // also after a failure: a timed-out append may have been applied
        onUserChanged?.(userId)
      }
    }
    return events.length
  }
}
