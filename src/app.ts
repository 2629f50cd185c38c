import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Logger } from 'pino'
import { getHeapStatistics } from 'node:v8'
import type { Config } from './config.js'
import { errorBody, ServiceError, toErrorBody } from './errors.js'
import { Admission } from './http/admission.js'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { adminRoutes } from './http/admin-routes.js'
import { DOCS_OPTIONS, openApiOptions } from './http/openapi.js'
import { connectionErrorHandler, connectRefusal, wasAnswered } from './http/connection-errors.js'
import { eventRoutes } from './http/event-routes.js'
import { healthRoutes } from './http/health-routes.js'
import { LoadShedding, type PressureLimits } from './http/load-shedding.js'
import { loggedUrl } from './http/logged-url.js'
import { methodLabel } from './http/method-label.js'
import { parseQueryString } from './http/query-string.js'
import { recommendRoutes } from './http/recommend-routes.js'
import { requestId } from './http/request-id.js'
import { requestLoggers } from './http/request-logger.js'
import type { Limits } from './http/schemas.js'
import { buildValidator } from './http/validator-compiler.js'
import { ajvWellFormed } from './http/well-formed.js'
import type { Services } from './services.js'

export interface AppOptions {
  config: Readonly<Config>
  services: Services
  logger: Logger
  /** Overrides of the load-shedding thresholds (tests); the defaults come from config (SHED_*). */
  pressure?: Partial<PressureLimits>
}

const MAX_EVENT_BATCH = 1000
const MAX_RECOMMEND_BATCH = 100

/** Load shedding (SHED_*); a 0 threshold turns its check off. The heap bound leaves V8 room to collect before it gives up. */
const pressureLimits = (config: Readonly<Config>): PressureLimits => ({
  maxEventLoopDelayMs: config.shedEventLoopDelayMs,
  maxEventLoopUtilization: config.shedEventLoopUtilization,
  maxHeapUsedBytes: Math.floor(getHeapStatistics().heap_size_limit * config.shedHeapUsedRatio),
  sampleIntervalMs: config.shedSampleIntervalMs,
  retryAfterSeconds: config.shedRetryAfterSeconds
})
/** Probes and scrapes must keep working on an overloaded process, or it gets restarted blind. */
const NEVER_SHED = new Set(['/health/live', '/metrics'])
/** ... and an operator's pin or rollback must reach it (admin routes are authenticated and rate-limited). */
const neverShed = (route: string): boolean => NEVER_SHED.has(route) || route.startsWith('/admin/')
/** Status recorded for a request whose client went away before the answer (as nginx logs it). */
const CLIENT_CLOSED = 499
/** An unknown path is echoed in the 404 message up to this length. */
const MAX_PATH_SHOWN = 100

declare module 'fastify' {
  interface FastifyRequest {
    /** performance.now() when the request arrived, for requests that end without a response. */
    receivedAt: number
  }
}

/** The whole HTTP edge: routes, error mapping and request metrics. Services arrive built. */
export type App = ReturnType<typeof buildApp>

export function buildApp ({ config, services, logger, pressure }: AppOptions) {
  const { metrics } = services
  const observe = (route: string, method: string, statusCode: number, seconds: number): void => {
    metrics.httpDuration.observe(route, methodLabel(method), statusCode, seconds)
  }
  const admission = new Admission()

  const app = Fastify({
    // its request serializer wins over Fastify's: every log line shows the URL through loggedUrl
    loggerInstance: logger.child({}, { serializers: { req: serializeRequest } }),
    // each request's child logger is made only if the request logs
    childLoggerFactory: requestLoggers,
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Node answers a missing Host with an empty 400 of its own; admission answers it instead.
    // Node checks the timeouts every 30 s by default: a 408 would come up to 30 s late.
    http: { requireHostHeader: false, connectionsCheckingInterval: checkingInterval(config) },
    requestIdHeader: false,
    genReqId: requestId,
    routerOptions: { querystringParser: parseQueryString },
    ajv: { customOptions: { removeAdditional: false, allErrors: false, coerceTypes: false }, plugins: [ajvWellFormed] },
    schemaController: { compilersFactory: { buildValidator } },
    // admission answers during shutdown, in the error shape
    return503OnClosing: false,
    // no request, so no timing, exists at the socket level: counted, with 0 s
    clientErrorHandler: connectionErrorHandler(logger, (statusCode) => observe('unmatched', 'unknown', statusCode, 0)),
    // a URL the router cannot read (bad escapes, an over-long segment): no route hooks run, so
    // it is counted here
    frameworkErrors: (err, request, reply) => {
      reply.header('x-request-id', request.id)
      sendError(err, request, reply)
      observe('unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000)
    }
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.server.headersTimeout = config.headersTimeoutMs
  app.server.on('connect', connectRefusal(logger, (statusCode) => observe('unmatched', 'CONNECT', statusCode, 0)))
  // JSON only: without this, Fastify would parse text/plain bodies and answer 400 instead of 415
  app.removeContentTypeParser('text/plain')

  const limits: Limits = {
    maxK: config.maxK,
    defaultK: config.defaultK,
    maxHistory: config.maxHistory,
    maxExclude: config.maxExclude,
    maxBatch: MAX_EVENT_BATCH,
    maxRecommendBatch: MAX_RECOMMEND_BATCH
  }

  app.addHook('onRoute', (route) => admission.addRoute(route.url, route.method))
  app.addHook('preClose', (done) => {
    admission.close()
    done()
  })
  app.decorateRequest('receivedAt', 0)
  // the per-request hooks take `done` rather than returning a promise: no promise and no extra
  // microtask per request (a throw is handled as a rejection would be)
  app.addHook('onRequest', (request, reply, done) => {
    request.receivedAt = performance.now()
    reply.header('x-request-id', request.id)
    admission.check(request)
    done()
  })
  let readyAt = Infinity
  const shedding = new LoadShedding({ ...pressureLimits(config), ...pressure }, neverShed, { readyAt: () => readyAt, log: logger.child({ component: 'load-shedding' }) })
  app.addHook('onReady', async () => {
    readyAt = performance.now()
    shedding.start()
  })
  app.addHook('onClose', async () => shedding.stop())
  app.addHook('onRequest', shedding.onRequest)
  app.addHook('onResponse', (request, reply, done) => {
    // unmatched URLs share one label so a scan cannot blow up the metric's cardinality
    observe(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000)
    done()
  })
  app.addHook('onRequestAbort', async (request) => {
    // a request the connection handler answered (a 408 mid-body) was counted there
    if (wasAnswered(request.raw.socket)) return
    request.log.info('client closed the request before the answer')
    observe(request.routeOptions.url ?? 'unmatched', request.method, CLIENT_CLOSED, (performance.now() - request.receivedAt) / 1000)
  })

  app.setErrorHandler((err: FastifyError, request, reply) => sendError(err, request, reply))
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?', 1)[0]
    const shown = path.length > MAX_PATH_SHOWN ? `${path.slice(0, MAX_PATH_SHOWN)}...` : path
    return reply.code(404).send(errorBody('NOT_FOUND', `route ${request.method} ${shown} not found`))
  })

  app.register(swagger, openApiOptions())
  app.register(swaggerUi, DOCS_OPTIONS)
  app.get('/openapi.json', { schema: { hide: true }, logLevel: 'warn' }, async () => app.swagger())

  const served = { student: metrics.recommendations.tally({ source: 'student' }), popular: metrics.recommendations.tally({ source: 'popular' }) }
  app.register(recommendRoutes, {
    online: services.online.recommender,
    limits,
    onServed: (rec) => served[rec.source].inc()
  })
  app.register(eventRoutes, { ingest: services.ingest, limits })
  // without a token the admin routes do not exist: 404 like any unknown path
  if (config.adminToken !== undefined) {
    app.register(adminRoutes, {
      token: config.adminToken,
      control: services.control,
      registry: services.serving.registry,
      manager: services.serving.manager,
      channel: services.stores.channel,
      models: services.stores.models,
      modelsDir: config.modelsDir,
      keepVersions: config.keepVersions,
      rateLimitPerMinute: config.adminRateLimit,
      authFailuresPerMinute: config.adminAuthFailureLimit,
      online: services.online,
      minImpressions: config.experimentMinImpressions
    })
  }
  app.register(healthRoutes, {
    model: () => services.serving.registry.active,
    redis: services.redisState,
    backend: services.backend,
    registry: metrics.registry
  })
  return app
}

/**
 * Maps, logs and sends any error: a bug with its stack, the rest as one info line. Synchronous, so
 * that not answering a client who is gone (onRequestAbort logs and counts it) is no forgotten reply.
 */
function sendError (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const body = toErrorBody(err)
  if (body.code === 'INTERNAL') request.log.error({ err }, 'request failed')
  if (reply.raw.destroyed) return
  if (body.code !== 'INTERNAL') request.log.info({ code: body.code, message: body.message }, 'request rejected')
  if (err instanceof ServiceError && err.headers !== undefined) reply.headers(err.headers)
  reply.code(body.statusCode).send(body)
}

/** Fastify's request fields, with the URL as loggedUrl shows it. */
function serializeRequest (request: FastifyRequest): Record<string, unknown> {
  return { method: request.method, url: loggedUrl(request.url), host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort }
}

function checkingInterval (config: Readonly<Config>): number {
  return Math.max(10, Math.min(1000, Math.floor(Math.min(config.headersTimeoutMs, config.requestTimeoutMs) / 4)))
}
