import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { IdMap } from '../data/id-map.js'

/** One user's teacher top-N, best first: dense item indices and their scores. */
export interface TeacherScoreList {
  items: Int32Array
  scores: Float32Array
}

export interface ReadTeacherScoresOptions {
  /** 'error' (default) refuses an item id missing from the item map; 'skip' drops it and calls onSkip. */
  unknownItems?: 'error' | 'skip'
  onSkip?: (line: number, itemId: string) => void
}

/** A malformed teacher-scores file; the message names the file, line and reason. */
export class TeacherScoresError extends Error {
  readonly code = 'TEACHER_SCORES_INVALID'

  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TeacherScoresError'
  }
}

/**
 * Reads a teacher trained elsewhere from a JSON Lines file, one line per user:
 * `{"userId":"u1","items":[{"itemId":"i3","score":4.2}, ...]}` (its top-N items for that user).
 * Items are returned sorted by descending score (ties keep file order). Blank lines are ignored;
 * a repeated user, a repeated item within a line, a non-finite score or an unknown item id
 * (unless skipped) is an error.
 */
export async function readTeacherScores (
  path: string,
  items: IdMap,
  options: ReadTeacherScoresOptions = {}
): Promise<Map<string, TeacherScoreList>> {
  const result = new Map<string, TeacherScoreList>()
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })
  let lineNo = 0
  try {
    for await (const text of lines) {
      lineNo++
      if (text.trim() === '') continue
      const { userId, list } = parseLine(text, items, options, lineNo)
      if (result.has(userId)) throw new Error(`user ${JSON.stringify(userId)} appears twice`)
      result.set(userId, list)
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== undefined) {
      throw new TeacherScoresError(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code})`, { cause: err })
    }
    throw new TeacherScoresError(`${path}:${lineNo}: ${(err as Error).message}`, { cause: err })
  } finally {
    lines.close()
  }
  return result
}

function parseLine (text: string, items: IdMap, options: ReadTeacherScoresOptions, lineNo: number): { userId: string, list: TeacherScoreList } {
  let row: { userId?: unknown, items?: unknown }
  try {
    row = JSON.parse(text)
  } catch {
    throw new Error('not valid JSON')
  }
  if (typeof row !== 'object' || row === null) throw new Error('not a JSON object')
  if (typeof row.userId !== 'string' || row.userId === '') throw new Error('userId is not a non-empty string')
  if (!Array.isArray(row.items)) throw new Error('items is not an array')
  const pairs: Array<{ index: number, score: number }> = []
  const seen = new Set<number>()
  for (const [i, entry] of (row.items as unknown[]).entries()) {
    const { itemId, score } = (entry ?? {}) as { itemId?: unknown, score?: unknown }
    if (typeof itemId !== 'string') throw new Error(`items[${i}].itemId is not a string`)
    if (typeof score !== 'number' || !Number.isFinite(score)) throw new Error(`items[${i}].score is not a finite number`)
    const index = items.index(itemId)
    if (index === undefined) {
      if (options.unknownItems !== 'skip') throw new Error(`unknown item id ${JSON.stringify(itemId)}`)
      options.onSkip?.(lineNo, itemId)
      continue
    }
    if (seen.has(index)) throw new Error(`item ${JSON.stringify(itemId)} appears twice`)
    seen.add(index)
    pairs.push({ index, score })
  }
  pairs.sort((a, b) => b.score - a.score)
  return {
    userId: row.userId,
    list: { items: Int32Array.from(pairs, (p) => p.index), scores: Float32Array.from(pairs, (p) => p.score) }
  }
}
