import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { Logger } from 'pino'
import { errorBody } from '../errors.js'
import { PressureSampler, type PressureReading } from './pressure-sampler.js'

export interface PressureLimits {
  /** Event-loop delay over one sample (see sampleDelayMs) above which requests are shed; 0 = off. */
  maxEventLoopDelayMs: number
  /** Share of one sample the event loop was busy (0-1) above which requests are shed; 0 = off. */
  maxEventLoopUtilization: number
  /** 0 = off. */
  maxHeapUsedBytes: number
  sampleIntervalMs: number
  retryAfterSeconds: number
}

/** The limit the reading is past, or undefined. A 0 limit is off. */
export type PressureReason = 'eventLoopDelay' | 'heapUsedBytes' | 'eventLoopUtilization'

export function pastLimit (r: PressureReading, limits: PressureLimits): PressureReason | undefined {
  if (limits.maxEventLoopDelayMs > 0 && r.eventLoopDelayMs > limits.maxEventLoopDelayMs) return 'eventLoopDelay'
  if (limits.maxHeapUsedBytes > 0 && r.heapUsedBytes > limits.maxHeapUsedBytes) return 'heapUsedBytes'
  if (limits.maxEventLoopUtilization > 0 && r.eventLoopUtilization > limits.maxEventLoopUtilization) return 'eventLoopUtilization'
  return undefined
}

/**
 * Load shedding: past a limit in the last sample every request is answered 503 OVERLOADED with
 * Retry-After at once, before its body is read. Exempt routes are served as usual: liveness and
 * metrics, so an overloaded process is neither restarted nor blind, and the operator's admin
 * routes, so a rollback or a pin reaches a replica that is shedding. Nothing is shed until two
 * samples after `readyAt()`: the samples that cover start-up (plugins, schemas: a busy loop with
 * no request waiting) would otherwise refuse the first requests after listen. `start()` on ready,
 * `stop()` on close. The sample that starts shedding is logged (warn) with its reading, and the one
 * that ends it (info).
 */
export class LoadShedding {
  readonly #limits: PressureLimits
  readonly #exempt: (route: string) => boolean
  readonly #readyAt: () => number
  readonly #sampler: PressureSampler
  readonly #body = errorBody('OVERLOADED', 'the service is overloaded; retry later')
  #reason: PressureReason | undefined

  constructor (limits: PressureLimits, exempt: (route: string) => boolean, { readyAt = () => -Infinity, log }: { readyAt?: () => number, log?: Logger } = {}) {
    this.#limits = limits
    this.#exempt = exempt
    this.#readyAt = readyAt
    this.#sampler = new PressureSampler(limits.sampleIntervalMs, (reading) => {
      const reason = pastLimit(reading, limits)
      if (reason !== undefined && this.#reason === undefined) log?.warn({ reason, ...roundedReading(reading) }, 'load shedding on')
      else if (reason === undefined && this.#reason !== undefined) log?.info({ ...roundedReading(reading) }, 'load shedding off')
      this.#reason = reason
    })
  }

  start (): void {
    this.#sampler.start()
  }

  stop (): void {
    this.#sampler.stop()
  }

  /**
   * The onRequest hook, in callback form (no promise per request): a shed request is answered
   * here and `done` is not called, as Fastify's hooks answer early.
   */
  readonly onRequest = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (this.#reason === undefined || this.#exempt(request.routeOptions.url ?? '') ||
      performance.now() - this.#readyAt() < 2 * this.#limits.sampleIntervalMs) {
      done()
      return
    }
    reply.code(503).header('retry-after', this.#limits.retryAfterSeconds).send(this.#body)
  }
}

function roundedReading (r: PressureReading): PressureReading {
  return { eventLoopDelayMs: Math.round(r.eventLoopDelayMs), eventLoopUtilization: Math.round(r.eventLoopUtilization * 1000) / 1000, heapUsedBytes: r.heapUsedBytes }
}
