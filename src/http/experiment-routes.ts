import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { experimentReport, ExperimentReportSchema } from '../experiments/experiment-report.js'
import type { Online } from '../experiments/create-online.js'
import { EXPERIMENT_MODES, ExperimentSchema } from '../stores/experiment-store.js'
import { adminErrors } from './admin-schemas.js'

export interface ExperimentRoutesOptions {
  online: Pick<Online, 'runtime' | 'catalogueSize' | 'control' | 'impressions'>
  /** EXPERIMENT_MIN_IMPRESSIONS: each arm's sample before the test may decide. */
  minImpressions: number
}

const security = [{ bearer: [] }]
const ExperimentBody = Type.Object({
  candidate: Type.Integer({ minimum: 1, maximum: 999_999_999_999_999, description: 'A ready student version other than the active one' }),
  percent: Type.Number({ minimum: 0.01, maximum: 100, description: '0.01 to 100. split: the share of users (by a salted hash of userId, or X-Request-Key for anonymous POSTs) the candidate serves; shadow: the share of requests it scores' }),
  mode: Type.Optional(Type.Union(EXPERIMENT_MODES.map((m) => Type.Literal(m)), { description: 'split (default) or shadow' }))
}, { additionalProperties: false })
const ExperimentParams = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,14}$' }) }, { additionalProperties: false })

/** The experiment routes, registered inside the admin routes (behind their token and rate limit). */
export const experimentRoutes: FastifyPluginAsyncTypebox<ExperimentRoutesOptions> = async (app, o) => {
  app.post('/admin/experiments', {
    schema: {
      tags: ['admin'],
      security,
      summary: 'Start an A/B split or a shadow experiment between the active version and a candidate',
      description: '`201` with the experiment (and `Location`); `404` unknown candidate, `409` a rejected candidate, the active version, or another experiment still running. Example: `{"candidate":7,"percent":10,"mode":"split"}`.',
      body: ExperimentBody,
      response: { 201: ExperimentSchema, ...adminErrors }
    }
  }, async (request, reply) => {
    const experiment = await o.online.control.start(request.body)
    request.log.info({ experiment }, 'experiment started')
    return reply.code(201).header('location', `/admin/experiments/${experiment.id}`).send(experiment)
  })

  app.get('/admin/experiments/:id', {
    schema: {
      tags: ['admin'],
      security,
      summary: 'One experiment: each arm\'s online figures, the two-proportion test on the hit rate (p-value, confidence interval, whether the sample is large enough)',
      params: ExperimentParams,
      response: { 200: ExperimentReportSchema, ...adminErrors }
    }
  }, async (request) => {
    const experiment = await o.online.control.get(Number(request.params.id))
    return await experimentReport(experiment, {
      impressions: o.online.impressions,
      minImpressions: o.minImpressions,
      catalogueSize: o.online.catalogueSize,
      shadow: o.online.runtime.shadowFigures(experiment.id)
    })
  })

  app.post('/admin/experiments/:id/promote', {
    schema: {
      tags: ['admin'],
      security,
      summary: 'End a running experiment by activating its candidate on every replica',
      description: '`409` when it already ended, a stop won the race, the active version is no longer its control, or the candidate cannot be activated (the experiment then ends `stopped` with the reason).',
      params: ExperimentParams,
      response: { 200: ExperimentSchema, ...adminErrors }
    }
  }, async (request) => {
    const experiment = await o.online.control.promote(Number(request.params.id))
    request.log.info({ experiment }, 'experiment promoted')
    return experiment
  })

  app.post('/admin/experiments/:id/stop', {
    schema: {
      tags: ['admin'],
      security,
      summary: 'End a running experiment, keeping the active version',
      params: ExperimentParams,
      response: { 200: ExperimentSchema, ...adminErrors }
    }
  }, async (request) => {
    const experiment = await o.online.control.stop(Number(request.params.id))
    request.log.info({ experiment }, 'experiment stopped')
    return experiment
  })
}
