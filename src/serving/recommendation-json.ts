import type { Recommendation, RecommendedItem } from './recommendation.js'

// Frozen lists are the answer cache's, shared by every hit: each is serialised once.
const serialised = new WeakMap<readonly RecommendedItem[], string>()

/**
 * The JSON text of an answer, as the HTTP edge sends it. The item list, the bulk of the bytes, is
 * serialised once per cached answer; the other fields (a few scalars, and whatever per-response
 * field a caller adds to the object) are written per response, so a cached answer can still carry
 * a per-response id. The object must already match RecommendationSchema (the recommender builds it
 * so; test/http checks the text against the schema).
 */
export function recommendationJson (recommendation: Recommendation): string {
  const { items, ...rest } = recommendation
  const head = JSON.stringify(rest)
  const list = itemsJson(items)
  return head.length === 2 ? `{"items":${list}}` : `${head.slice(0, -1)},"items":${list}}`
}

export function itemsJson (items: readonly RecommendedItem[]): string {
  if (!Object.isFrozen(items)) return JSON.stringify(items)
  let text = serialised.get(items)
  if (text === undefined) {
    text = JSON.stringify(items)
    serialised.set(items, text)
  }
  return text
}
