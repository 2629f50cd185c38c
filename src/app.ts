import Fastify, { type FastifyError } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Logger } from 'pino'
import { randomUUID } from 'node:crypto'
import type { Config } from './config.js'
import { toErrorBody } from './errors.js'
import { eventRoutes } from './http/event-routes.js'
import { healthRoutes } from './http/health-routes.js'
import { recommendRoutes } from './http/recommend-routes.js'
import type { Limits } from './http/schemas.js'
import type { Services } from './services.js'

export interface AppOptions {
  config: Readonly<Config>
  services: Services
  logger: Logger
}

const MAX_EVENT_BATCH = 1000
const MAX_RECOMMEND_BATCH = 100

/** The whole HTTP edge: routes, error mapping and request metrics. Services arrive built. */
export type App = ReturnType<typeof buildApp>

export function buildApp ({ config, services, logger }: AppOptions) {
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
    return503OnClosing: true
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.server.headersTimeout = config.headersTimeoutMs
  // JSON only: without this, Fastify would parse text/plain bodies and answer 400 instead of 415
  app.removeContentTypeParser('text/plain')

  const { metrics } = services
  const limits: Limits = {
    maxK: config.maxK,
    defaultK: config.defaultK,
    maxHistory: config.maxHistory,
    maxExclude: config.maxExclude,
    maxBatch: MAX_EVENT_BATCH,
    maxRecommendBatch: MAX_RECOMMEND_BATCH
  }

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
  app.addHook('onResponse', async (request, reply) => {
    // unmatched URLs share one label so a scan cannot blow up the metric's cardinality
    const route = request.routeOptions.url ?? 'unmatched'
    metrics.httpDuration.observe({ route, method: request.method, status_code: reply.statusCode }, reply.elapsedTime / 1000)
  })

  app.setErrorHandler(async (err: FastifyError, request, reply) => {
    const body = toErrorBody(err)
    if (body.statusCode >= 500) request.log.error({ err }, 'request failed')
    else request.log.info({ code: body.code, message: body.message }, 'request rejected')
    return reply.code(body.statusCode).send(body)
  })
  app.setNotFoundHandler(async (request, reply) => {
    return reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', message: `route ${request.method} ${request.url.split('?')[0]} not found` })
  })

  app.register(recommendRoutes, {
    recommender: services.serving.recommender,
    limits,
    onServed: (rec) => metrics.recommendations.inc({ source: rec.source })
  })
  app.register(eventRoutes, {
    eventLog: services.eventLog,
    history: services.history,
    limits,
    onIngested: (count) => metrics.eventsIngested.inc(count),
    onUserChanged: (userId) => services.serving.vectors.invalidate(services.serving.registry.active.version, userId)
  })
  app.register(healthRoutes, {
    model: () => services.serving.registry.active,
    redis: services.redisState,
    backend: services.backend,
    registry: metrics.registry
  })
  return app
}
