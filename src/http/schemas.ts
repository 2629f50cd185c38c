import { Type, type Static } from '@sinclair/typebox'
import { RecommendationSchema } from '../serving/recommendation.js'
import { WELL_FORMED } from './well-formed.js'

/** Request limits that shape the schemas; set once from config at registration. */
export interface Limits {
  maxK: number
  defaultK: number
  maxHistory: number
  maxExclude: number
  maxBatch: number
  /** Requests in one POST /recommend/batch. */
  maxRecommendBatch: number
}

/** A user or item id in a request: 1 to 128 characters of well-formed Unicode. */
export const Id = Type.String({ minLength: 1, maxLength: 128, format: WELL_FORMED })

/** `ts` is integer milliseconds since the epoch, from 2000-01-01 (a smaller one is likely seconds) to now + 1 day. */
export const TS_MIN_MS = Date.UTC(2000, 0, 1)

export const ErrorResponse = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.String())
})

/** The answer: the recommendation and the id its impression is recorded under (POST /events takes it back). */
export const RecommendationResponse = Type.Object({
  ...RecommendationSchema.properties,
  recommendationId: Type.String({ description: 'Names this answer; also in the X-Recommendation-Id header. Send it with POST /events to attribute the event to this list.' })
})

const Genre = Type.String({ minLength: 1, maxLength: 64, format: WELL_FORMED })
const MAX_GENRES = 32
const Include = Type.Array(Type.Union([Type.Literal('title'), Type.Literal('genres'), Type.Literal('because')]), { maxItems: 3, uniqueItems: true })

export function recommendQuery (limits: Limits) {
  return Type.Object({
    userId: Id,
    k: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.maxK })),
    excludeSeen: Type.Optional(Type.Boolean()),
    /** Comma-separated, as query strings carry lists. */
    genres: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, format: WELL_FORMED })),
    include: Type.Optional(Type.String({ pattern: '^(title|genres|because)(,(title|genres|because)){0,2}$' }))
  }, { additionalProperties: false })
}

export function recommendBody (limits: Limits) {
  return Type.Object({
    userId: Type.Optional(Id),
    history: Type.Optional(Type.Array(Id, { maxItems: limits.maxHistory })),
    k: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.maxK })),
    exclude: Type.Optional(Type.Array(Id, { maxItems: limits.maxExclude })),
    excludeSeen: Type.Optional(Type.Boolean()),
    filter: Type.Optional(Type.Object({ genres: Type.Array(Genre, { minItems: 1, maxItems: MAX_GENRES }) }, { additionalProperties: false })),
    include: Type.Optional(Include)
  }, { additionalProperties: false })
}

/** Entries are validated one by one in the handler, so one bad entry fails only itself. */
export function recommendBatchBody (limits: Limits) {
  return Type.Object({
    requests: Type.Array(Type.Unknown(), { minItems: 1, maxItems: limits.maxRecommendBatch })
  }, { additionalProperties: false })
}

export const RecommendBatchResponse = Type.Object({
  results: Type.Array(Type.Union([RecommendationResponse, ErrorResponse]))
})

export const Event = Type.Object({
  userId: Id,
  itemId: Id,
  /** null or absent: the time of receipt. The upper bound (now + 1 day) is checked on receipt (EventIngest). */
  ts: Type.Optional(Type.Union([Type.Integer({ minimum: TS_MIN_MS }), Type.Null()])),
  /** The client's idempotency key: one id per event, the same on every retry of it. */
  eventId: Type.Optional(Id),
  /** The answer of /recommend that showed the item; absent: the user's latest list holding it (ATTRIBUTION_WINDOW). */
  recommendationId: Type.Optional(Id)
}, { additionalProperties: false })

export function eventsBody (limits: Limits) {
  return Type.Object({
    events: Type.Array(Event, { minItems: 1, maxItems: limits.maxBatch })
  }, { additionalProperties: false })
}

export const EventsResponse = Type.Object({ accepted: Type.Integer() })

export const LiveResponse = Type.Object({ status: Type.Literal('ok') })

export const ReadyResponse = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded')]),
  model: Type.Object({ version: Type.Integer(), kind: Type.Union([Type.Literal('student'), Type.Literal('popular')]) }),
  redis: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('disabled')]),
  backend: Type.String()
})

export type RecommendBody = Static<ReturnType<typeof recommendBody>>
