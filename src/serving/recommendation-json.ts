import type { Recommendation, RecommendedItem } from './recommendation.js'

/** An answer's text around its per-response id, and the fields it was written from. */
interface Written {
  userId: string | null
  modelVersion: number
  source: string
  ignoredItems: number
  head: string
  tail: string
}

// Frozen lists are the answer cache's, shared by every hit (and every copy of a hit): the text
// around the id is written once per cached answer.
const written = new WeakMap<readonly RecommendedItem[], Written>()

/**
 * The JSON text of an answer with its per-response id, as the HTTP edge sends it (RecommendationSchema
 * plus `recommendationId`, in that field order). For a cached answer (frozen items) everything but
 * the id is written once and reused while the answer's fields are the same; the id is spliced in.
 */
export function answerJson (recommendation: Recommendation, recommendationId: string): string {
  const { userId, modelVersion, source, ignoredItems, items } = recommendation
  let text = Object.isFrozen(items) ? written.get(items) : undefined
  if (text === undefined || text.userId !== userId || text.modelVersion !== modelVersion || text.source !== source || text.ignoredItems !== ignoredItems) {
    text = {
      userId,
      modelVersion,
      source,
      ignoredItems,
      head: `{"userId":${userId === null ? 'null' : JSON.stringify(userId)},"modelVersion":${modelVersion},"source":${JSON.stringify(source)},"ignoredItems":${ignoredItems}`,
      tail: `,"items":${JSON.stringify(items)}}`
    }
    if (Object.isFrozen(items)) written.set(items, text)
  }
  return `${text.head},"recommendationId":${JSON.stringify(recommendationId)}${text.tail}`
}
