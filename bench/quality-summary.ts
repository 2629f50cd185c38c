import { fixed } from '../src/cli/table.js'
import type { Measured } from './quality-measure.js'

const FIELDS = ['ndcg', 'hr', 'mrr', 'coverage', 'tailRecall', 'teacherOverlap', 'params', 'artifactKb', 'usPerRequest', 'trainSeconds', 'servingUs'] as const
type Field = typeof FIELDS[number]

/** A row that could not be measured: the reason it failed, in place of its figures. */
export interface FailedRow {
  model: string
  failed: string
}

/**
 * Mean and sample standard deviation (n - 1; 0 for one seed) of each figure, per model, in
 * first-seen order, over the seeds it was measured on; `failed` holds the reasons of the others.
 */
export type Summary = Array<{ model: string, seeds: number, failed: string[] } & Record<Field, { mean: number, std: number } | null>>

export const SUMMARY_HEADERS = ['model', 'NDCG@10', 'HR@10', 'MRR', 'coverage@10', 'tail recall@10', 'teacher overlap@10', 'parameters', 'artifact KB', 'us/request', 'training s', 'serving us/request']

export function isFailed (row: Measured | FailedRow): row is FailedRow {
  return 'failed' in row
}

export function summarise (rows: ReadonlyArray<Measured | FailedRow>): Summary {
  const models = [...new Set(rows.map((r) => r.model))]
  return models.map((model) => {
    const all = rows.filter((r) => r.model === model)
    const mine = all.filter((r): r is Measured => !isFailed(r))
    const entry = { model, seeds: mine.length, failed: all.filter(isFailed).map((r) => r.failed) } as Summary[number]
    for (const field of FIELDS) {
      const values = mine.map((r) => r[field]).filter((v): v is number => v !== null && v !== undefined && !Number.isNaN(v))
      entry[field] = values.length === 0 ? null : meanStd(values)
    }
    return entry
  })
}

export function summaryRows (summary: Summary): string[][] {
  const show = (s: { mean: number, std: number } | null, digits: number): string =>
    s === null ? '–' : s.std === 0 ? fixed(s.mean, digits) : `${fixed(s.mean, digits)} ± ${fixed(s.std, digits)}`
  return summary.map((s) => [
    label(s), show(s.ndcg, 4), show(s.hr, 4), show(s.mrr, 4), show(s.coverage, 3), show(s.tailRecall, 4), show(s.teacherOverlap, 3),
    s.params === null ? '–' : String(Math.round(s.params.mean)), show(s.artifactKb, 1), show(s.usPerRequest, 0), show(s.trainSeconds, 1), show(s.servingUs, 1)
  ])
}

/** The model, and when it failed, on how many seeds and why (each reason once). */
function label (s: Summary[number]): string {
  if (s.failed.length === 0) return s.model
  const where = s.seeds === 0 ? '' : ` on ${s.failed.length} of ${s.failed.length + s.seeds} seeds`
  return `${s.model} (failed${where}: ${[...new Set(s.failed)].join('; ')})`
}

function meanStd (values: readonly number[]): { mean: number, std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  if (values.length < 2) return { mean, std: 0 }
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)
  return { mean, std: Math.sqrt(variance) }
}
