import type { Scorer } from './scorer.js'

export interface MixtureMember {
  scorer: Scorer
  weight: number
  /**
   * Logit scale: scores become `sharpness · score / (the row's best score)` before the softmax,
   * for scorers without a softmax scale of their own (item-KNN votes); absent = scores are logits.
   */
  sharpness?: number
}

/**
 * Several scorers as one: score = Σ w_m · softmax(logits_m), weights normalised to sum to 1.
 * This is how the mixed teacher itself is evaluated. It approximates what mixed distillation
 * (`mixTeacherTargets` over `scorerTargets`) hands the student, with two differences: the
 * softmax runs over every item instead of each member's top-N, and `sharpness` divides by the
 * row's best score over every item, where `scorerTargets` takes the best unseen item.
 */
export class MixtureScorer implements Scorer {
  readonly name: string
  readonly numItems: number
  readonly #members: readonly MixtureMember[]
  readonly #total: number

  constructor (members: readonly MixtureMember[], name = members.map(m => m.scorer.name).join('+')) {
    if (members.length === 0) throw new RangeError('a mixture needs at least one member')
    this.numItems = members[0].scorer.numItems
    if (members.some(m => m.scorer.numItems !== this.numItems)) throw new RangeError('mixture members must score the same catalogue')
    if (members.some(m => !(m.weight > 0))) throw new RangeError('mixture weights must be positive')
    this.#members = members
    this.#total = members.reduce((a, m) => a + m.weight, 0)
    this.name = name
  }

  scoreBatch (histories: readonly Int32Array[], users?: readonly number[]): Float32Array[] {
    const out = histories.map(() => new Float32Array(this.numItems))
    for (const m of this.#members) {
      m.scorer.scoreBatch(histories, users).forEach((row, r) => {
        addSoftmax(out[r], row, m.weight / this.#total, m.sharpness)
      })
    }
    return out
  }
}

function addSoftmax (into: Float32Array, row: Float32Array, weight: number, sharpness?: number): void {
  let max = -Infinity
  for (const v of row) if (v > max) max = v
  const scale = sharpness === undefined ? 1 : sharpness / (max > 0 ? max : 1)
  let z = 0
  for (const v of row) z += Math.exp((v - max) * scale)
  for (let i = 0; i < row.length; i++) into[i] += weight * Math.exp((row[i] - max) * scale) / z
}
