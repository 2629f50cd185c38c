/**
 * Top-k selection over one row of scores: O(n log k) with a bounded min-heap, no full sort.
 * It runs per request on the serving path, so the heap lives in module-level typed arrays that
 * grow once and are reused (safe: the selection is synchronous); only the result is allocated.
 */
export interface Scored {
  index: number
  score: number
}

/** Items to leave out: a predicate, or a mask where a non-zero entry excludes that index. */
export type Exclusion = ((index: number) => boolean) | Uint8Array

let heapIndex = new Int32Array(64)
let heapScore = new Float64Array(64)

/**
 * The `k` best indices of `scores`, best first: higher score first, equal scores by lower index.
 * Excluded indices and NaN scores are never returned; fewer than k come back when fewer remain.
 */
export function topK (scores: ArrayLike<number>, k: number, excluded?: Exclusion): Scored[] {
  const n = scores.length
  if (k <= 0 || n === 0) return []
  const capacity = Math.min(k, n)
  if (heapIndex.length < capacity) {
    heapIndex = new Int32Array(capacity)
    heapScore = new Float64Array(capacity)
  }
  const mask = excluded instanceof Uint8Array ? excluded : undefined
  const skip = typeof excluded === 'function' ? excluded : undefined
  let size = 0
  // the root's score, kept in a local once the heap is full: the scan's hot comparison (on a
  // 100,000-item catalogue almost every score fails it) then reads no module-level array
  let floor = -Infinity
  let i = 0
  for (; i < n && size < capacity; i++) {
    const score = scores[i]
    if (Number.isNaN(score)) continue
    if (mask !== undefined && mask[i] !== 0) continue
    if (skip !== undefined && skip(i)) continue
    siftUp(size, i, score)
    size++
  }
  if (size === capacity) floor = heapScore[0]
  for (; i < n; i++) {
    const score = scores[i]
    // i is larger than every index in the heap, so a tie with the root loses
    if (!(score > floor)) continue
    if (mask !== undefined && mask[i] !== 0) continue
    if (skip !== undefined && skip(i)) continue
    siftDown(size, i, score)
    floor = heapScore[0]
  }
  const result = new Array<Scored>(size)
  for (let last = size - 1; last >= 0; last--) {
    result[last] = { index: heapIndex[0], score: heapScore[0] }
    siftDown(last, heapIndex[last], heapScore[last])
  }
  return result
}

/**
 * topK over `count` scored candidates labelled by `items` (any order): the `k` best, best first,
 * higher score first and equal scores by lower item, NaN never returned. The labels take the place
 * of positions, so candidates need no sorting first (ANN re-ranking's cut).
 */
export function topKOf (items: Int32Array, scores: Float32Array, count: number, k: number): { items: Int32Array, scores: Float32Array } {
  const capacity = Math.max(0, Math.min(k, count))
  if (capacity === 0) return { items: new Int32Array(0), scores: new Float32Array(0) }
  if (heapIndex.length < capacity) {
    heapIndex = new Int32Array(capacity)
    heapScore = new Float64Array(capacity)
  }
  let size = 0
  let floor = -Infinity
  for (let j = 0; j < count; j++) {
    const score = scores[j]
    if (size < capacity) {
      if (Number.isNaN(score)) continue
      siftUp(size, items[j], score)
      size++
      if (size === capacity) floor = heapScore[0]
    } else if (score > floor || (score === floor && items[j] < heapIndex[0])) {
      siftDown(size, items[j], score)
      floor = heapScore[0]
    }
  }
  const outItems = new Int32Array(size)
  const outScores = new Float32Array(size)
  for (let last = size - 1; last >= 0; last--) {
    outItems[last] = heapIndex[0]
    outScores[last] = heapScore[0]
    siftDown(last, heapIndex[last], heapScore[last])
  }
  return { items: outItems, scores: outScores }
}

/** Heap order: the root is the worst kept entry (lowest score; among equals, highest index). */
function worse (indexA: number, scoreA: number, indexB: number, scoreB: number): boolean {
  return scoreA < scoreB || (scoreA === scoreB && indexA > indexB)
}

function siftUp (at: number, index: number, score: number): void {
  while (at > 0) {
    const parent = (at - 1) >> 1
    if (!worse(index, score, heapIndex[parent], heapScore[parent])) break
    heapIndex[at] = heapIndex[parent]
    heapScore[at] = heapScore[parent]
    at = parent
  }
  heapIndex[at] = index
  heapScore[at] = score
}

/** Puts (index, score) at the root of a heap of `size` entries and restores heap order. */
function siftDown (size: number, index: number, score: number): void {
  let at = 0
  for (;;) {
    let child = 2 * at + 1
    if (child >= size) break
    const right = child + 1
    if (right < size && worse(heapIndex[right], heapScore[right], heapIndex[child], heapScore[child])) child = right
    if (!worse(heapIndex[child], heapScore[child], index, score)) break
    heapIndex[at] = heapIndex[child]
    heapScore[at] = heapScore[child]
    at = child
  }
  heapIndex[at] = index
  heapScore[at] = score
}
