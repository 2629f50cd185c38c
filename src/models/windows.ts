/**
 * Left-padded, right-aligned windows: row r holds the last `len` items of `histories[r]`,
 * the most recent in the last column, `padId` before a short history.
 */
export function padWindows (histories: readonly Int32Array[], len: number, padId: number): Int32Array {
  const out = new Int32Array(histories.length * len).fill(padId)
  for (let r = 0; r < histories.length; r++) {
    const h = histories[r]
    const take = Math.min(len, h.length)
    out.set(h.subarray(h.length - take), r * len + len - take)
  }
  return out
}

/** Length of the longest history, capped at `maxLen` and at least 1. */
export function windowLength (histories: readonly Int32Array[], maxLen: number): number {
  let longest = 1
  for (const h of histories) if (h.length > longest) longest = h.length
  return Math.min(longest, maxLen)
}
