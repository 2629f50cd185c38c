import type { FastifyUnderPressureOptions } from '@fastify/under-pressure'
import { errorBody } from '../errors.js'

export interface PressureLimits {
  /** Mean event-loop delay over one sample above which requests are shed. */
  maxEventLoopDelayMs: number
  maxHeapUsedBytes: number
  sampleIntervalMs: number
  retryAfterSeconds: number
}

/**
 * Options for @fastify/under-pressure: past a threshold every request is answered 503 OVERLOADED
 * with Retry-After at once, before its body is read; the exempt routes (liveness, metrics) are
 * served as usual, so an overloaded process is neither restarted nor blind.
 */
export function loadShedding (limits: PressureLimits, exempt: readonly string[]): FastifyUnderPressureOptions {
  const exemptRoutes = new Set(exempt)
  const body = errorBody('OVERLOADED', 'the service is overloaded; retry later')
  return {
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxHeapUsedBytes: limits.maxHeapUsedBytes,
    sampleInterval: limits.sampleIntervalMs,
    pressureHandler: (request, reply) => {
      if (exemptRoutes.has(request.routeOptions.url ?? '')) return
      reply.code(503).header('retry-after', limits.retryAfterSeconds).send(body)
    }
  }
}
