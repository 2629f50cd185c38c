import type { FastifyUnderPressureOptions } from '@fastify/under-pressure'
import { errorBody } from '../errors.js'

export interface PressureLimits {
  /** Mean event-loop delay over one sample above which requests are shed. */
  maxEventLoopDelayMs: number
  /** Share of one sample the event loop was busy (0-1) above which requests are shed; 0 = off. */
  maxEventLoopUtilization: number
  maxHeapUsedBytes: number
  sampleIntervalMs: number
  retryAfterSeconds: number
}

/**
 * Options for @fastify/under-pressure: past a threshold every request is answered 503 OVERLOADED
 * with Retry-After at once, before its body is read; the exempt routes (liveness, metrics) are
 * served as usual, so an overloaded process is neither restarted nor blind. Nothing is shed until
 * two samples after `readyAt()`: the samples that cover start-up (plugins, schemas: a busy loop
 * with no request waiting) would otherwise refuse the first requests after listen.
 */
export function loadShedding (limits: PressureLimits, exempt: readonly string[], readyAt: () => number = () => -Infinity): FastifyUnderPressureOptions {
  const exemptRoutes = new Set(exempt)
  const body = errorBody('OVERLOADED', 'the service is overloaded; retry later')
  return {
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxEventLoopUtilization: limits.maxEventLoopUtilization,
    // per sample: the default ('cumulative') averages over the whole life of the process
    eventLoopUtilizationMode: 'interval',
    maxHeapUsedBytes: limits.maxHeapUsedBytes,
    sampleInterval: limits.sampleIntervalMs,
    pressureHandler: (request, reply) => {
      if (exemptRoutes.has(request.routeOptions.url ?? '')) return
      if (performance.now() - readyAt() < 2 * limits.sampleIntervalMs) return
      reply.code(503).header('retry-after', limits.retryAfterSeconds).send(body)
    }
  }
}
