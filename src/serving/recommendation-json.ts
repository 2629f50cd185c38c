import type { Recommendation, RecommendedItem } from './recommendation.js'

// Frozen lists are the answer cache's, shared by every hit: each is serialised once.
const serialised = new WeakMap<readonly RecommendedItem[], string>()
const WRITTEN = new Set(['userId', 'modelVersion', 'source', 'items', 'ignoredItems'])

/**
 * The JSON text of an answer, as the HTTP edge sends it. The item list, the bulk of the bytes, is
 * serialised once per cached answer; the scalars are written per response, and so is any other
 * field a caller adds to (a copy of) the object, such as a per-response id. The object must match
 * RecommendationSchema (the recommender builds it so; the tests check the text against the schema).
 */
export function recommendationJson (recommendation: Recommendation): string {
  const { userId, modelVersion, source, items, ignoredItems } = recommendation
  let text = `{"userId":${userId === null ? 'null' : JSON.stringify(userId)},"modelVersion":${modelVersion},"source":"${source}","ignoredItems":${ignoredItems}`
  for (const key in recommendation) {
    const value = (recommendation as unknown as Record<string, unknown>)[key]
    if (!WRITTEN.has(key) && value !== undefined) text += `,${JSON.stringify(key)}:${JSON.stringify(value)}`
  }
  return `${text},"items":${itemsJson(items)}}`
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
