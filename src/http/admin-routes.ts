import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import rateLimit from '@fastify/rate-limit'
import { Type } from '@sinclair/typebox'
import { errorBody, ServiceError } from '../errors.js'
import type { ModelManager } from '../serving/model-manager.js'
import type { ModelRegistry } from '../serving/model-registry.js'
import type { ModelStore } from '../stores/model-store.js'
import type { VersionChannel } from '../stores/version-channel.js'
import type { JobControl } from '../worker/job-control.js'
import { isFinished } from '../stores/job.js'
import { activateVersion } from '../versions/activate.js'
import { listStudentVersions } from '../versions/version-list.js'
import { bearerAuth } from './admin-auth.js'
import { AuthFailures } from './auth-failures.js'
import { ErrorResponse } from './schemas.js'
import { renderModelReport } from '../report/model-report.js'

export interface AdminRoutesOptions {
  token: string
  control: JobControl
  registry: ModelRegistry
  manager: ModelManager
  channel: VersionChannel
  models: ModelStore | undefined
  modelsDir: string
  /** Authenticated admin requests per minute, from all addresses together. */
  rateLimitPerMinute: number
  /** Failed authentications per client address per minute. */
  authFailuresPerMinute: number
}

const RedistillBody = Type.Object({
  teacher: Type.Optional(Type.Union([Type.Literal('reuse'), Type.Literal('retrain')])),
  epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  losses: Type.Optional(Type.Array(Type.Union([Type.Literal('task'), Type.Literal('kd'), Type.Literal('ranking'), Type.Literal('hint')]), { minItems: 1, maxItems: 4, uniqueItems: true })),
  ensemble: Type.Optional(Type.Boolean()),
  temperature: Type.Optional(Type.Number({ minimum: 0.01, maximum: 100 })),
  force: Type.Optional(Type.Boolean()),
  warmStart: Type.Optional(Type.Boolean())
}, { additionalProperties: false })

const MINUTE_MS = 60_000
const security = [{ bearer: [] }]
const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse }
const Conflict = Type.Object({ ...ErrorResponse.properties, jobId: Type.Optional(Type.String()) })

const JobParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) }, { additionalProperties: false })
const VersionParams = Type.Object({ version: Type.String({ pattern: '^[1-9][0-9]{0,14}$' }) }, { additionalProperties: false })

/**
 * The operator's API, registered only when ADMIN_TOKEN is set: start, watch and cancel
 * re-distillation runs, list student versions, and pin or roll back the version every replica
 * serves. Every route needs the bearer token, checked before the body is read; failed
 * authentications are limited per client address, authenticated requests per token.
 */
export const adminRoutes: FastifyPluginAsyncTypebox<AdminRoutesOptions> = async (app, o) => {
  const sources = { modelsDir: o.modelsDir, store: o.models }
  // an instance hook: it runs before the rate limit's route-level one, and before any body is read
  app.addHook('onRequest', bearerAuth(o.token, new AuthFailures(o.authFailuresPerMinute, MINUTE_MS)))
  // only requests that passed authentication reach it: one budget for the token
  await app.register(rateLimit, {
    max: o.rateLimitPerMinute,
    timeWindow: MINUTE_MS,
    hook: 'onRequest',
    keyGenerator: () => 'admin-token',
    errorResponseBuilder: (_request, context) => new ServiceError('TOO_MANY_REQUESTS',
      `too many admin requests: at most ${context.max} a minute; retry in ${Math.ceil(context.ttl / 1000)} s`, undefined, { 'retry-after': String(Math.ceil(context.ttl / 1000)) })
  })

  app.post('/admin/redistill', {
    schema: {
      tags: ['admin'],
      security,
      summary: 'Start a re-distillation run',
      description: 'Trains on the dataset plus every event, validates the candidate and activates it on every replica. ' +
        '202 with the `jobId` to follow; 409 with the running job\'s `jobId` while one is queued or running. Example: `{"epochs":5,"teacher":"reuse"}`.',
      body: RedistillBody,
      response: { 202: Type.Object({ jobId: Type.String(), state: Type.String() }), 409: Conflict, ...errors }
    },
    // no body at all asks for a run with the defaults
    preValidation: async (request) => { request.body ??= {} }
  }, async (request, reply) => {
    const result = await o.control.submit({ ...request.body, trigger: 'admin' })
    if (!result.accepted) {
      return reply.code(409).send({ ...errorBody('CONFLICT', `a re-distillation run is in progress (job ${result.running})`), jobId: result.running })
    }
    request.log.info({ jobId: result.job.id, request: request.body ?? {} }, 're-distillation requested')
    return reply.code(202).header('location', `/admin/jobs/${result.job.id}`).send({ jobId: result.job.id, state: result.job.state })
  })

  app.get('/admin/jobs', { schema: { tags: ['admin'], security, summary: 'Recent re-distillation jobs, newest first' } }, async () => ({ jobs: await o.control.list(20) }))

  app.get('/admin/jobs/:id', {
    schema: { tags: ['admin'], security, summary: 'One job: state, phase, epoch, loss, validation NDCG per epoch, ETA, outcome', params: JobParams }
  }, async (request) => {
    const job = await o.control.get(request.params.id)
    if (job === null) throw new ServiceError('NOT_FOUND', `no job ${request.params.id}`)
    return job
  })

  app.delete('/admin/jobs/:id', {
    schema: { tags: ['admin'], security, summary: 'Cancel a job: a running one stops within one training step', params: JobParams }
  }, async (request, reply) => {
    const before = await o.control.get(request.params.id)
    if (before === null) throw new ServiceError('NOT_FOUND', `no job ${request.params.id}`)
    if (isFinished(before)) throw new ServiceError('CONFLICT', `job ${before.id} already ended (${before.state})`)
    const job = await o.control.cancel(request.params.id)
    request.log.info({ jobId: request.params.id }, 're-distillation cancel requested')
    return reply.code(202).send(job)
  })

  app.get('/admin/models', { schema: { tags: ['admin'], security, summary: 'Every student version with its figures and state (active, ready, rejected, failed)' } }, async () => {
    const active = o.registry.active.version
    return { serving: { version: active, kind: o.registry.active.kind }, versions: await listStudentVersions(sources, (await o.channel.active()) ?? active) }
  })

  app.get('/admin/report', {
    schema: {
      tags: ['admin'],
      security,
      summary: 'The model report: every version, teacher against student, learning curves (one HTML page)',
      produces: ['text/html'],
      response: { 200: { description: 'A self-contained HTML page (inline CSS and SVG, no script)', content: { 'text/html': { schema: Type.String() } } }, ...errors }
    }
  }, async (_request, reply) => {
    const serving = o.registry.active.kind === 'student' ? o.registry.active.version : null
    const html = await renderModelReport(o.modelsDir, { active: (await o.channel.active()) ?? serving })
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .header('cache-control', 'no-store')
      .send(html)
  })

  app.post('/admin/models/:version/activate', {
    schema: {
      tags: ['admin'],
      security,
      summary: 'Pin a ready version, or roll back to an older one, on every replica',
      params: VersionParams,
      response: { 200: Type.Object({ version: Type.Integer(), previous: Type.Integer() }), ...errors }
    }
  }, async (request, reply) => {
    const version = Number(request.params.version)
    const previous = o.registry.active.version
    const info = (await listStudentVersions(sources, null)).find((v) => v.version === version)
    if (info === undefined) throw new ServiceError('NOT_FOUND', `no student version ${version} in this replica's models directory or the model store`)
    if (info.state === 'rejected' || info.state === 'failed') throw new ServiceError('CONFLICT', `student v${version} is ${info.state}: ${info.reason ?? ''}`)
    try {
      await activateVersion({ ...sources, version, channel: o.channel })
    } catch (err) {
      throw new ServiceError('CONFLICT', `student v${version} cannot be activated: ${(err as Error).message}`)
    }
    // this replica's swap, so the answer says what it serves now; the others follow the announcement
    await o.manager.announce(version)
    const serving = o.registry.active.version
    request.log.info({ version, previous, serving }, 'student version activated by an operator')
    if (serving !== version) throw new ServiceError('CONFLICT', `student v${version} was announced but this replica could not load it (serving v${serving}); see its log`)
    return reply.code(200).send({ version, previous })
  })
}
