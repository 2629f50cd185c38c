import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { EventIngest } from '../events/ingest.js'
import { ErrorResponse, EventsResponse, eventsBody, type Limits } from './schemas.js'

export interface EventRoutesOptions {
  ingest: EventIngest
  limits: Limits
}

/** POST /events takes one event, an array of events, or `{ events: [...] }`; EventIngest records them. */
export const eventRoutes: FastifyPluginAsyncTypebox<EventRoutesOptions> = async (app, { ingest, limits }) => {
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
    const accepted = await ingest.ingest(request.body.events, request.log)
    return reply.code(202).send({ accepted })
  })
}
