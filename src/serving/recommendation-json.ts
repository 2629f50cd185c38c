import type { Recommendation, RecommendedItem } from './recommendation.js'

/** An answer's text around its per-response id, and the fields it was written from. */
interface Written {
  userId: string | null
  modelVersion: number
  source: string
  ignoredItems: number
  head: string
  tail: string
  /** `head` and `,"recommendationId":` as UTF-8, made by the first answerBytes of the answer. */
  headBytes?: Buffer
  tailBytes?: Buffer
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
  const text = textAround(recommendation)
  return `${text.head},"recommendationId":${JSON.stringify(recommendationId)}${text.tail}`
}

/**
 * answerJson's text as UTF-8 bytes, what the HTTP edge sends. For a cached answer the bytes around
 * the id are encoded once and copied: a string body was flattened and scanned for its UTF-8 length
 * (Content-Length), then copied again behind the headers and encoded on the socket write, on every hit.
 */
export function answerBytes (recommendation: Recommendation, recommendationId: string): Buffer {
  if (!Object.isFrozen(recommendation.items)) return Buffer.from(answerJson(recommendation, recommendationId))
  const text = textAround(recommendation)
  text.headBytes ??= Buffer.from(`${text.head},"recommendationId":`)
  text.tailBytes ??= Buffer.from(text.tail)
  const { headBytes, tailBytes } = text
  const id = JSON.stringify(recommendationId)
  const idLength = Buffer.byteLength(id)
  const bytes = Buffer.allocUnsafe(headBytes.length + idLength + tailBytes.length)
  headBytes.copy(bytes, 0)
  bytes.write(id, headBytes.length)
  tailBytes.copy(bytes, headBytes.length + idLength)
  return bytes
}

/** The text around the id: a cached answer's is written once and reused while its fields are the same. */
function textAround (recommendation: Recommendation): Written {
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
  return text
}
