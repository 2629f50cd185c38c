import { Type, type Static } from '@sinclair/typebox'

/**
 * What /recommend answers, as a schema: the type's one source (Static<>), and the HTTP edge's
 * response schema, so the answer and its serialiser cannot drift apart.
 */
export const RecommendedItemSchema = Type.Object({
  itemId: Type.String(),
  score: Type.Number(),
  rank: Type.Integer(),
  title: Type.Optional(Type.String()),
  genres: Type.Optional(Type.Array(Type.String()))
})
export type RecommendedItem = Static<typeof RecommendedItemSchema>

export const RecommendationSchema = Type.Object({
  userId: Type.Union([Type.String(), Type.Null()]),
  modelVersion: Type.Integer(),
  source: Type.Union([Type.Literal('student'), Type.Literal('popular')]),
  items: Type.Array(RecommendedItemSchema),
  /** Items of the history the model read that its catalogue does not know. */
  ignoredItems: Type.Integer({ minimum: 0 })
})
export type Recommendation = Static<typeof RecommendationSchema>
