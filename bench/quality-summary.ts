import { fixed } from '../src/cli/table.js'
import type { Measured } from './quality-measure.js'

const FIELDS = ['ndcg', 'hr', 'mrr', 'coverage', 'tailRecall', 'teacherOverlap', 'params', 'artifactKb', 'usPerRequest', 'trainSeconds'] as const
type Field = typeof FIELDS[number]

/** Mean and sample standard deviation (n - 1; 0 for one seed) of each figure, per model, in first-seen order. */
export type Summary = Array<{ model: string, seeds: number } & Record<Field, { mean: number, std: number } | null>>

export const SUMMARY_HEADERS = ['model', 'NDCG@10', 'HR@10', 'MRR', 'coverage@10', 'tail recall@10', 'teacher overlap@10', 'parameters', 'artifact KB', 'us/request', 'training s']

export function summarise (rows: readonly Measured[]): Summary {
  const models = [...new Set(rows.map((r) => r.model))]
  return models.map((model) => {
    const mine = rows.filter((r) => r.model === model)
    const entry = { model, seeds: mine.length } as Summary[number]
    for (const field of FIELDS) {
      const values = mine.map((r) => r[field]).filter((v): v is number => v !== null && !Number.isNaN(v))
      entry[field] = values.length === 0 ? null : meanStd(values)
    }
    return entry
  })
}

export function summaryRows (summary: Summary): string[][] {
  const show = (s: { mean: number, std: number } | null, digits: number): string =>
    s === null ? '–' : s.std === 0 ? fixed(s.mean, digits) : `${fixed(s.mean, digits)} ± ${fixed(s.std, digits)}`
  return summary.map((s) => [
    s.model, show(s.ndcg, 4), show(s.hr, 4), show(s.mrr, 4), show(s.coverage, 3), show(s.tailRecall, 4), show(s.teacherOverlap, 3),
    s.params === null ? '–' : String(Math.round(s.params.mean)), show(s.artifactKb, 1), show(s.usPerRequest, 0), show(s.trainSeconds, 1)
  ])
}

function meanStd (values: readonly number[]): { mean: number, std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  if (values.length < 2) return { mean, std: 0 }
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)
  return { mean, std: Math.sqrt(variance) }
}
