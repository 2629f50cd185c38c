import { TeacherTargets } from './teacher-targets.js'

/**
 * The teacher's targets with item popularity discounted: every logit less
 * `alpha` · log(1 + n_i), n_i the item's count in `train`, and each position's support re-sorted
 * by the adjusted logits (the ranking loss reads its first k). This is logit adjustment (Menon et
 * al., ICLR 2021) applied to the teacher: its soft targets put less mass on popular items than
 * its scores do, so a student distilled from it is pulled less towards the head of the catalogue
 * (UnKD, WSDM 2023, names that popularity bias of distilled recommenders). alpha 0 is the
 * targets as they are; padded (-Infinity) logits stay last.
 */
export function popularityDebiased (targets: TeacherTargets, train: readonly Int32Array[], numItems: number, alpha: number): TeacherTargets {
  if (!(alpha >= 0 && Number.isFinite(alpha))) throw new RangeError(`popularity debias must be a finite number at least 0, got ${alpha}`)
  if (alpha === 0) return targets
  const discount = new Float32Array(numItems)
  for (const seq of train) for (const item of seq) discount[item]++
  for (let i = 0; i < numItems; i++) discount[i] = alpha * Math.log1p(discount[i])
  const n = targets.topN
  const items = new Int32Array(targets.items.length)
  const logits = new Float32Array(targets.logits.length)
  const order = Array.from({ length: n }, (_, j) => j)
  const adjusted = new Float64Array(n)
  for (let p = 0; p < targets.size; p++) {
    const at = p * n
    for (let j = 0; j < n; j++) {
      const item = targets.items[at + j]
      adjusted[j] = targets.logits[at + j] - (item >= 0 && item < numItems ? discount[item] : 0)
    }
    // stable: ties keep the teacher's order
    order.sort((a, b) => adjusted[b] - adjusted[a] || a - b)
    for (let j = 0; j < n; j++) {
      items[at + j] = targets.items[at + order[j]]
      logits[at + j] = adjusted[order[j]]
    }
    for (let j = 0; j < n; j++) order[j] = j
  }
  return new TeacherTargets(targets.positions, n, items, logits, targets.itemEmbeddings, targets.embeddingDim, targets.covered)
}
