import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ServiceError } from '../errors.js'
import type { Recommendation, Recommender } from '../serving/recommender.js'
import { ErrorResponse, RecommendationResponse, recommendBody, recommendQuery, type Limits } from './schemas.js'

export interface RecommendRoutesOptions {
  recommender: Recommender
  limits: Limits
  onServed: (recommendation: Recommendation) => void
}

export const recommendRoutes: FastifyPluginAsyncTypebox<RecommendRoutesOptions> = async (app, { recommender, limits, onServed }) => {
  const response = { 200: RecommendationResponse, '4xx': ErrorResponse, '5xx': ErrorResponse }

  app.get('/recommend', { schema: { querystring: recommendQuery(limits), response } }, async (request, reply) => {
    const { userId, k = limits.defaultK, excludeSeen = true } = request.query
    const recommendation = await recommender.recommend({ userId, k, excludeSeen })
    onServed(recommendation)
    return reply.header('x-model-version', recommendation.modelVersion).send(recommendation)
  })

  app.post('/recommend', { schema: { body: recommendBody(limits), response } }, async (request, reply) => {
    const { userId, history, exclude, k = limits.defaultK, excludeSeen = true } = request.body
    if (userId === undefined && history === undefined) {
      throw new ServiceError('INVALID_REQUEST', 'body must have userId or history (or both)', 'userId')
    }
    const recommendation = await recommender.recommend({ userId, history, exclude, k, excludeSeen })
    onServed(recommendation)
    return reply.header('x-model-version', recommendation.modelVersion).send(recommendation)
  })
}
