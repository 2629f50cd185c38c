import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Registry } from 'prom-client'
import type { RedisState } from '../stores/create-stores.js'
import { Type } from '@sinclair/typebox'
import { ErrorResponse, LiveResponse, ReadyResponse } from './schemas.js'

export interface HealthRoutesOptions {
  model: () => { version: number, kind: 'student' | 'popular' }
  redis: () => RedisState
  backend: string
  registry: Registry
}

/** Liveness, readiness and the Prometheus scrape endpoint. */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { model, redis, backend, registry }) => {
  // probes and scrapes arrive every few seconds: log them only when something goes wrong
  const logLevel = 'warn'
  const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse }
  const exposition = { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: Type.String() } } }
  app.get('/health/live', { logLevel, schema: { tags: ['health'], summary: 'Liveness', response: { 200: LiveResponse, ...errors } } }, async () => ({ status: 'ok' as const }))

  // Still ready while Redis is down: requests are answered from memory, so only report it.
  app.get('/health/ready', { logLevel, schema: { tags: ['health'], summary: 'Readiness, the served model version, Redis state', response: { 200: ReadyResponse, ...errors } } }, async () => {
    const { version, kind } = model()
    const redisState = redis()
    return { status: redisState === 'down' ? 'degraded' as const : 'ready' as const, model: { version, kind }, redis: redisState, backend }
  })

  app.get('/metrics', { logLevel, schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'], response: { 200: exposition, ...errors } } }, async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics())
  })
}
