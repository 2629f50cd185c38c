import { Type, type Static } from '@sinclair/typebox'

/** Why an item is recommended (`include: ["because"]`). */
export const BecauseSchema = Type.Union([
  Type.Object({
    kind: Type.Literal('history'),
    /** The history item that adds most to this item's score... */
    itemId: Type.String(),
    /** ...and how much: its exact share of `score` (the rest depends on the item alone). */
    contribution: Type.Number()
  }, { description: 'The history item contributing most to the score, and its share of it' }),
  Type.Object({ kind: Type.Literal('popular') }, { description: 'A popularity fallback: no known history to explain it by' })
])
export type Because = Static<typeof BecauseSchema>

/**
 * What /recommend answers, as a schema: the type's one source (Static<>), and the HTTP edge's
 * response schema (in the OpenAPI document; the tests check what answerJson writes against it).
 */
export const RecommendedItemSchema = Type.Object({
  itemId: Type.String(),
  score: Type.Number(),
  rank: Type.Integer(),
  title: Type.Optional(Type.String()),
  genres: Type.Optional(Type.Array(Type.String())),
  /** With `include: ["because"]`. */
  because: Type.Optional(BecauseSchema)
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
