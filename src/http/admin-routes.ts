import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import rateLimit from '@fastify/rate-limit'
import { errorBody, ServiceError } from '../errors.js'
import type { ModelManager } from '../serving/model-manager.js'
import type { ModelRegistry } from '../serving/model-registry.js'
import type { ModelStore } from '../stores/model-store.js'
import type { VersionChannel } from '../stores/version-channel.js'
import type { JobControl } from '../worker/job-control.js'
import type { Online } from '../experiments/create-online.js'
import { isFinished } from '../stores/job.js'
import { activateVersion } from '../versions/activate.js'
import { retentionView } from '../versions/apply-retention.js'
import { listStudentVersions } from '../versions/version-list.js'
import { bearerAuth } from './admin-auth.js'
import { AuthFailures } from './auth-failures.js'
import { ActivateResponse, adminErrors, Conflict, JobList, JobParams, JobResponse, ModelsResponse, RedistillAccepted, RedistillBody, ReportPage, VersionParams } from './admin-schemas.js'
import { renderModelReport } from '../report/model-report.js'
import { experimentRoutes, type ExperimentRoutesOptions } from './experiment-routes.js'

export interface AdminRoutesOptions {
  token: string
  control: JobControl
  registry: ModelRegistry
  manager: ModelManager
  channel: VersionChannel
  models: ModelStore | undefined
  modelsDir: string
  /** KEEP_VERSIONS, to say which versions retention keeps. */
  keepVersions: number
  /** Authenticated admin requests per minute, from all addresses together. */
  rateLimitPerMinute: number
  /** Failed authentications per client address per minute. */
  authFailuresPerMinute: number
  /** The online loop: experiments, and each live version's online figures. */
  online: ExperimentRoutesOptions['online'] & Pick<Online, 'figures'>
  minImpressions: number
}

const MINUTE_MS = 60_000
const security = [{ bearer: [] }]
const errors = adminErrors

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

  await app.register(experimentRoutes, { online: o.online, minImpressions: o.minImpressions })

  app.post('/admin/redistill', {
    schema: {
      tags: ['admin'],
      security,
      summary: 'Start a re-distillation run',
      description: 'Trains on the dataset plus every event, validates the candidate and activates it on every replica. ' +
        '202 with the `jobId` to follow; 409 with the running job\'s `jobId` while one is queued or running. Example: `{"epochs":5,"teacher":"reuse"}`.',
      body: RedistillBody,
      response: { 202: RedistillAccepted, 409: Conflict, ...errors }
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

  app.get('/admin/jobs', {
    schema: { tags: ['admin'], security, summary: 'Recent re-distillation jobs, newest first', response: { 200: JobList, ...errors } }
  }, async () => ({ jobs: await o.control.list(20) }))

  app.get('/admin/jobs/:id', {
    schema: { tags: ['admin'], security, summary: 'One job: state, phase, epoch, loss, validation NDCG per epoch, ETA, outcome', params: JobParams, response: { 200: JobResponse, ...errors } }
  }, async (request) => {
    const job = await o.control.get(request.params.id)
    if (job === null) throw new ServiceError('NOT_FOUND', `no job ${request.params.id}`)
    return job
  })

  app.delete('/admin/jobs/:id', {
    schema: { tags: ['admin'], security, summary: 'Cancel a job: a running one stops within one training step', params: JobParams, response: { 202: JobResponse, ...errors } }
  }, async (request, reply) => {
    const before = await o.control.get(request.params.id)
    if (before === null) throw new ServiceError('NOT_FOUND', `no job ${request.params.id}`)
    if (isFinished(before)) throw new ServiceError('CONFLICT', `job ${before.id} already ended (${before.state})`)
    const job = await o.control.cancel(request.params.id)
    // evicted from the store between the two reads
    if (job === null) throw new ServiceError('NOT_FOUND', `no job ${request.params.id}`)
    request.log.info({ jobId: request.params.id }, 're-distillation cancel requested')
    return reply.code(202).send(job)
  })

  app.get('/admin/models', {
    schema: {
      tags: ['admin'],
      security,
      summary: 'Every student version with its figures and state (active, ready, rejected, failed), the teachers, and which of them retention keeps',
      description: '`kept: false` marks what the worker removes after its next activation (`KEEP_VERSIONS`).',
      response: { 200: ModelsResponse, ...errors }
    }
  }, async () => {
    const { plan, students } = await retentionView({ ...sources, keep: o.keepVersions, channel: o.channel, served: o.registry.student })
    const teachers = [...plan.teachers, ...plan.removeTeachers].sort((a, b) => b - a).map((version) => ({ version, kept: plan.teachers.includes(version) }))
    return {
      serving: { version: o.registry.active.version, kind: o.registry.active.kind },
      versions: students.map((v) => ({ ...v, kept: plan.students.includes(v.version) })),
      teachers,
      retention: { keepVersions: o.keepVersions },
      online: await o.online.figures()
    }
  })

  app.get('/admin/report', {
    schema: {
      tags: ['admin'],
      security,
      summary: 'The model report: every version, teacher against student, learning curves (one HTML page)',
      produces: ['text/html'],
      response: { 200: ReportPage, ...errors }
    }
  }, async (_request, reply) => {
    const serving = o.registry.active.kind === 'student' ? o.registry.active.version : null
    const html = await renderModelReport(o.modelsDir, { active: (await o.channel.active()) ?? serving, online: await o.online.figures() })
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
      response: { 200: ActivateResponse, ...errors }
    }
  }, async (request, reply) => {
    const version = Number(request.params.version)
    const previous = o.registry.active.version
    const info = (await listStudentVersions(sources, null)).find((v) => v.version === version)
    if (info === undefined) throw new ServiceError('NOT_FOUND', `no student version ${version} in this replica's models directory or the model store`)
    if (info.state === 'rejected' || info.state === 'failed') throw new ServiceError('CONFLICT', `student v${version} is ${info.state}: ${info.reason ?? ''}`)
    // validated by loading it here, once: the announcement below swaps to what was loaded
    const validate = version === previous ? undefined : async () => await o.manager.prepare(version)
    try {
      try {
        await activateVersion({ ...sources, version, channel: o.channel, validate })
      } catch (err) {
        throw new ServiceError('CONFLICT', `student v${version} cannot be activated: ${(err as Error).message}`)
      }
      // this replica's swap, so the answer says what it serves now; the others follow the announcement
      await o.manager.announce(version)
    } finally {
      o.manager.discard(version)
    }
    const serving = o.registry.active.version
    request.log.info({ version, previous, serving }, 'student version activated by an operator')
    if (serving !== version) throw new ServiceError('CONFLICT', `student v${version} was announced but this replica could not load it (serving v${serving}); see its log`)
    return reply.code(200).send({ version, previous })
  })
}
