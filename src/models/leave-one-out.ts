/** One history item's credit for a score, as StudentEncoder.explain reports it. */
export interface Attribution {
  /** Index of the history item (on the catalogue), not its position. */
  item: number
  contribution: number
}

/** What leaveOneOut needs of an encoder: its user vectors and its item rows. */
export interface LeaveOneOutModel {
  readonly config: { readonly dim: number, readonly window: number }
  readonly servingDim: number
  encode: (history: Int32Array) => Float32Array
}

/**
 * Leave-one-out attribution, for a student whose score is not linear in its history's rows (the
 * attention family): an item's contribution to score(i) is score(i | window) - score(i | window
 * without it), every occurrence of it removed and the rest closing up toward the newest position
 * (items older than the window stay out, so only that one item changes). Positive: the item raised
 * the score; the item credited is the one whose removal lowers it most (ties: the more recent). The
 * item bias and every term the removal leaves unchanged cancel, so only E[i] · (u - u_without)
 * is summed (in float64 over float32 user vectors, as served). Costs one encode per distinct item
 * of the window, whatever the number of items explained.
 */
export function leaveOneOut (model: LeaveOneOutModel, history: Int32Array, items: Int32Array, table: Float32Array): Attribution[] {
  const { dim, window } = model.config
  const recent = history.subarray(Math.max(0, history.length - window))
  if (recent.length === 0) throw new RangeError('an explanation needs a non-empty history')
  const full = model.encode(recent)
  // distinct items of the window, most recent first, and the user vector without each
  const distinct: number[] = []
  for (let j = recent.length - 1; j >= 0; j--) if (!distinct.includes(recent[j])) distinct.push(recent[j])
  const deltas = distinct.map((item) => {
    const without = model.encode(recent.filter((h) => h !== item))
    return Float64Array.from({ length: dim }, (_, d) => full[d] - without[d])
  })
  return Array.from(items, (target) => {
    const row = target * dim
    let best = 0
    let bestShare = -Infinity
    deltas.forEach((delta, slot) => {
      let share = 0
      for (let d = 0; d < dim; d++) share += delta[d] * table[row + d]
      if (share > bestShare) { best = slot; bestShare = share }
    })
    return { item: distinct[best], contribution: bestShare }
  })
}
