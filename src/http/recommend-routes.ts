import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ServiceError, toErrorBody, type ErrorBody } from '../errors.js'
import type { OnlineRecommender, Served } from '../experiments/online-recommender.js'
import { answerJson } from '../serving/recommendation-json.js'
import { UnknownGenreError, type IncludeField, type Recommendation, type RecommendRequest } from '../serving/recommender.js'
import { assignmentKey, RECOMMENDATION_ID_HEADER } from './assignment-key.js'
import {
  ErrorResponse, RecommendationResponse, RecommendBatchResponse, recommendBatchBody, recommendBody, recommendQuery,
  type Limits, type RecommendBody
} from './schemas.js'

export interface RecommendRoutesOptions {
  limits: Limits
  onServed: (recommendation: Recommendation) => void
  /** Picks the arm, adds the recommendationId and records the impression (every answer goes through it). */
  online: OnlineRecommender
}

/** An answer as the route sends it: the recommendation and its per-response id. */
type Answer = Recommendation & { recommendationId: string }

// An answer is sent as the text answerJson writes (a cached answer's is written once, its id
// spliced in), not through the schema's serialiser; the schema still documents the answer and
// checks it in the tests. Text, not bytes: a Buffer per answer (copied from bytes encoded once)
// cost 11% more CPU per hit than the string (paired runs side by side, hit load).
const JSON_TYPE = 'application/json; charset=utf-8'

export const recommendRoutes: FastifyPluginAsyncTypebox<RecommendRoutesOptions> = async (app, { limits, onServed, online }) => {
  const response = { 200: RecommendationResponse, '4xx': ErrorResponse, '5xx': ErrorResponse }
  const entrySchema = TypeCompiler.Compile(recommendBody(limits))

  const served = (answer: Served): Served => {
    onServed(answer.recommendation)
    return answer
  }
  /** An answer the recommender had to work out (a miss, or a store read asynchronously). */
  const settled = async (answer: Promise<Served>): Promise<Served> => {
    try {
      return served(await answer)
    } catch (err) {
      if (err instanceof UnknownGenreError) throw new ServiceError('INVALID_REQUEST', err.message, 'filter.genres')
      throw err
    }
  }
  // a cache hit is answered at once; anything else goes the asynchronous way
  const serve = (request: RecommendRequest, key: string | undefined): Served | Promise<Served> => {
    const answer = online.serve(request, key)
    return answer instanceof Promise ? settled(answer) : served(answer)
  }
  const send = (reply: FastifyReply, { recommendation, recommendationId }: Served): FastifyReply =>
    reply.header('x-model-version', recommendation.modelVersion).header(RECOMMENDATION_ID_HEADER, recommendationId).type(JSON_TYPE).send(answerJson(recommendation, recommendationId))
  const sendWhenServed = async (reply: FastifyReply, answer: Promise<Served>): Promise<void> => {
    send(reply, await answer)
  }
  /**
   * The handlers are not async: a hit is sent before the handler returns, and Fastify then makes
   * no promise for it (an async handler's promise, resolved with the reply, took two more
   * microtasks and a call of reply.then per hit); anything else returns the promise of its send.
   * A throw here is answered by Fastify as a rejection would be.
   */
  const answer = (reply: FastifyReply, request: RecommendRequest, key: string | undefined): Promise<void> | undefined => {
    const served = serve(request, key)
    if (served instanceof Promise) return sendWhenServed(reply, served)
    send(reply, served)
    return undefined
  }

  app.get('/recommend', {
    schema: {
      tags: ['recommend'],
      summary: 'Top-K items for a user',
      description: 'Ranks from the user\'s history (dataset plus POST /events) with the active student; users with no known items get popularity (`source: "popular"`). `include=because` explains each item by the history item adding most to its score (exact for the student; `{"kind":"popular"}` for popularity). Example: `/recommend?userId=u1&k=10&include=title,because`.',
      querystring: recommendQuery(limits),
      response
    }
  }, (request, reply) => {
    const { userId, k = limits.defaultK, excludeSeen = true, genres, include } = request.query
    const entry: RecommendRequest = {
      userId,
      k,
      excludeSeen,
      genres: genreFilter(genres?.split(','), 'genres'),
      include: include?.split(',') as IncludeField[] | undefined
    }
    return answer(reply, entry, userId)
  })

  app.post('/recommend', {
    schema: {
      tags: ['recommend'],
      summary: 'Top-K items for a user or a history',
      description: 'Either `userId`, `history` (latest items, oldest first) or both; `exclude` items, a genre `filter`, `include` titles, genres and `because` (the history item adding most to each score, and its share). Example: `{"history":["i3","i17"],"k":5}`.',
      body: recommendBody(limits),
      response
    }
  }, (request, reply) => {
    const entry = fromBody(request.body, limits)
    return answer(reply, entry, assignmentKey(request.body, request.headers))
  })

  // Each entry is answered as POST /recommend would answer it, in order; a bad entry gets its
  // own error body and the others are still served.
  app.post('/recommend/batch', {
    schema: {
      tags: ['recommend'],
      summary: 'Several POST /recommend requests in one',
      description: 'Each entry is answered, or fails with its own error body, as POST /recommend would answer it, in order. Example: `{"requests":[{"userId":"u1"},{"history":["i3"]}]}`.',
      body: recommendBatchBody(limits),
      response: { 200: RecommendBatchResponse, '4xx': ErrorResponse, '5xx': ErrorResponse }
    }
  }, async (request, reply) => {
    const results = await Promise.all(request.body.requests.map(async (entry, i): Promise<Answer | ErrorBody> => {
      if (!entrySchema.Check(entry)) {
        const first = entrySchema.Errors(entry).First()
        const field = first?.path.replace(/^\//, '').replaceAll('/', '.') ?? ''
        return { statusCode: 400, code: 'INVALID_REQUEST', message: `requests.${i}${field === '' ? '' : '.' + field} ${first?.message ?? 'is invalid'}`, field: `requests.${i}${field === '' ? '' : '.' + field}` }
      }
      try {
        const { recommendation, recommendationId } = await settled(online.recommend(fromBody(entry, limits), assignmentKey(entry, request.headers)))
        return { ...recommendation, recommendationId }
      } catch (err) {
        const body = toErrorBody(err as Error)
        if (body.statusCode >= 500) request.log.error({ err, entry: i }, 'batch entry failed')
        return body.field === undefined ? body : { ...body, field: `requests.${i}.${body.field}` }
      }
    }))
    const versions = results.flatMap((r) => 'modelVersion' in r ? [r.modelVersion] : [])
    if (versions.length > 0) reply.header('x-model-version', Math.max(...versions))
    return reply.send({ results })
  })
}

function fromBody (body: RecommendBody, limits: Limits): RecommendRequest {
  const { userId, history, exclude, k = limits.defaultK, excludeSeen = true, filter, include } = body
  if (userId === undefined && history === undefined) {
    throw new ServiceError('INVALID_REQUEST', 'body must have userId or history (or both)', 'userId')
  }
  return { userId, history, exclude, k, excludeSeen, genres: genreFilter(filter?.genres, 'filter.genres'), include }
}

/**
 * One rule for GET's comma-separated list and POST's array: each name is trimmed, and a name that
 * is empty once trimmed is refused, so `genres=,` cannot silently drop the filter.
 */
function genreFilter (names: string[] | undefined, field: string): string[] | undefined {
  if (names === undefined) return undefined
  const trimmed = names.map((g) => g.trim())
  if (trimmed.includes('')) throw new ServiceError('INVALID_REQUEST', `${field} has an empty genre name`, field)
  return trimmed
}
