import { Type, type Static } from '@sinclair/typebox'

/** Request limits that shape the schemas; set once from config at registration. */
export interface Limits {
  maxK: number
  defaultK: number
  maxHistory: number
  maxExclude: number
  maxBatch: number
}

export const Id = Type.String({ minLength: 1, maxLength: 128 })

export const ErrorResponse = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.String())
})

export const RecommendationResponse = Type.Object({
  userId: Type.Union([Id, Type.Null()]),
  modelVersion: Type.Integer(),
  source: Type.String(),
  items: Type.Array(Type.Object({
    itemId: Type.String(),
    score: Type.Number(),
    rank: Type.Integer()
  }))
})

export function recommendQuery (limits: Limits) {
  return Type.Object({
    userId: Id,
    k: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.maxK })),
    excludeSeen: Type.Optional(Type.Boolean())
  }, { additionalProperties: false })
}

export function recommendBody (limits: Limits) {
  return Type.Object({
    userId: Type.Optional(Id),
    history: Type.Optional(Type.Array(Id, { maxItems: limits.maxHistory })),
    k: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.maxK })),
    exclude: Type.Optional(Type.Array(Id, { maxItems: limits.maxExclude })),
    excludeSeen: Type.Optional(Type.Boolean())
  }, { additionalProperties: false })
}

export const Event = Type.Object({
  userId: Id,
  itemId: Id,
  ts: Type.Optional(Type.Number({ minimum: 0 }))
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
  model: Type.Object({ version: Type.Integer(), kind: Type.String() }),
  redis: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('disabled')]),
  backend: Type.String()
})

export type RecommendQuery = Static<ReturnType<typeof recommendQuery>>
export type RecommendBody = Static<ReturnType<typeof recommendBody>>
export type EventsBody = Static<ReturnType<typeof eventsBody>>
