import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Interaction } from '../data/dataset.js'
import { ServiceError } from '../errors.js'
import { eventKey } from '../stores/event-id.js'
import { addedBy, type EventLog } from '../stores/event-log.js'
import type { HistoryStore } from '../stores/history-store.js'
import { StoreError } from '../stores/store-error.js'
import { ErrorResponse, EventsResponse, eventsBody, TS_MAX_AHEAD_MS, type Limits } from './schemas.js'

export interface EventRoutesOptions {
  eventLog: EventLog
  history: HistoryStore
  limits: Limits
  /** Events newly logged (copies of logged eventIds not counted). */
  onIngested: (count: number) => void
  /** After a user's history changed: drop what was derived from the old one. */
  onUserChanged?: (userId: string) => void
  now?: () => number
}

// a failed append may have been written all the same (a timeout after Redis took the command),
// so the answer cannot say nothing was recorded; what makes the retry safe is the eventId
const LOG_UNCONFIRMED = 'the event log did not confirm the write: the events may or may not have been recorded; ' +
  'retrying is safe for events with an eventId or a ts (each is recorded once); events with neither may be recorded twice'
const HISTORY_INCOMPLETE = 'the events were recorded but the user history was not updated; ' +
  'retrying is safe for events with an eventId or a ts (each is recorded once, and the history completed)'

/**
 * POST /events takes one event, an array of events, or `{ events: [...] }`.
 * Each event gets its idempotency key (see eventKey). The log is written first, then the whole
 * batch goes to the history every time, both deduplicating by key: a retry adds nothing twice,
 * and completes a history that an earlier attempt logged but did not reach.
 */
export const eventRoutes: FastifyPluginAsyncTypebox<EventRoutesOptions> = async (app, options) => {
  const { eventLog, history, limits, onIngested, onUserChanged, now = Date.now } = options

  app.post('/events', {
    schema: {
      tags: ['events'],
      summary: 'Record interactions',
      description: 'One event, an array, or `{"events":[...]}`; durable once answered. An `eventId` (or `ts`) makes a retry safe. Example: `{"userId":"u1","itemId":"i3","eventId":"e-1"}`.',
      body: eventsBody(limits),
      response: { 202: EventsResponse, '4xx': ErrorResponse, '5xx': ErrorResponse }
    },
    preValidation: async (request) => {
      const body = request.body
      if (Array.isArray(body)) request.body = { events: body }
      else if (body !== null && typeof body === 'object' && !('events' in body)) request.body = { events: [body] }
    }
  }, async (request, reply) => {
    const receivedAt = now()
    const events: Interaction[] = request.body.events.map((event, i) => {
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
      request.log.error({ err }, 'event log append failed')
      throw new ServiceError('EVENTS_UNAVAILABLE', LOG_UNCONFIRMED, undefined, { 'retry-after': '1' })
    }
    onIngested(added)
    for (const [userId, { itemIds, eventIds }] of groupByUser(events)) {
      try {
        await history.append(userId, itemIds, eventIds)
      } catch (err) {
        request.log.error({ err }, 'history append failed')
        throw new ServiceError('EVENTS_UNAVAILABLE', HISTORY_INCOMPLETE, undefined, { 'retry-after': '1' })
      } finally {
        // also after a failure: a timed-out append may have been applied
        onUserChanged?.(userId)
      }
    }
    return reply.code(202).send({ accepted: events.length })
  })
}

interface UserBatch {
  itemIds: string[]
  eventIds: Array<string | undefined>
}

function groupByUser (events: readonly Interaction[]): Map<string, UserBatch> {
  const byUser = new Map<string, UserBatch>()
  for (const { userId, itemId, eventId } of events) {
    let batch = byUser.get(userId)
    if (batch === undefined) byUser.set(userId, batch = { itemIds: [], eventIds: [] })
    batch.itemIds.push(itemId)
    batch.eventIds.push(eventId)
  }
  return byUser
}
