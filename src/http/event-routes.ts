import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Interaction } from '../data/dataset.js'
import { ServiceError } from '../errors.js'
import type { EventLog } from '../stores/event-log.js'
import type { HistoryStore } from '../stores/history-store.js'
import { ErrorResponse, EventsResponse, eventsBody, type Limits } from './schemas.js'

export interface EventRoutesOptions {
  eventLog: EventLog
  history: HistoryStore
  limits: Limits
  onIngested: (count: number) => void
  /** After a user's history changed: drop what was derived from the old one. */
  onUserChanged?: (userId: string) => void
  now?: () => number
}

/**
 * POST /events takes one event, an array of events, or `{ events: [...] }`.
 * An event is acknowledged only after the durable log has it; the history store is updated after.
 */
export const eventRoutes: FastifyPluginAsyncTypebox<EventRoutesOptions> = async (app, options) => {
  const { eventLog, history, limits, onIngested, onUserChanged, now = Date.now } = options

  app.post('/events', {
    schema: { body: eventsBody(limits), response: { 202: EventsResponse, '4xx': ErrorResponse, '5xx': ErrorResponse } },
    preValidation: async (request) => {
      const body = request.body
      if (Array.isArray(body)) request.body = { events: body }
      else if (body !== null && typeof body === 'object' && !('events' in body)) request.body = { events: [body] }
    }
  }, async (request, reply) => {
    const ts = now()
    const events: Interaction[] = request.body.events.map(e => ({ userId: e.userId, itemId: e.itemId, ts: e.ts ?? ts }))
    try {
      await eventLog.append(events)
    } catch (err) {
      request.log.error({ err }, 'event log append failed')
      reply.header('retry-after', 1)
      throw new ServiceError('EVENTS_UNAVAILABLE', 'events could not be stored durably; nothing was recorded, retry later')
    }
    onIngested(events.length)
    for (const [userId, itemIds] of groupByUser(events)) {
      await history.append(userId, itemIds)
      onUserChanged?.(userId)
    }
    return reply.code(202).send({ accepted: events.length })
  })
}

function groupByUser (events: readonly Interaction[]): Map<string, string[]> {
  const byUser = new Map<string, string[]>()
  for (const { userId, itemId } of events) {
    const items = byUser.get(userId)
    if (items === undefined) byUser.set(userId, [itemId])
    else items.push(itemId)
  }
  return byUser
}
