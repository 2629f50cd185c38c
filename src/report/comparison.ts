import type { ArtifactManifest } from '../models/artifact/index.js'
import { DASH, decimals, integer } from './html.js'
import type { VersionRecord } from './read-models.js'

interface Row {
  label: string
  value: (m: ArtifactManifest) => number | undefined
  format: (v: number | undefined) => string
  /** Quality: higher is better, the ratio reads as the share the student keeps. Cost: lower is better. */
  kind: 'quality' | 'cost'
}

const ROWS: readonly Row[] = [
  { label: 'test NDCG@10', value: (m) => m.metrics.ndcg10, format: (v) => decimals(v, 4), kind: 'quality' },
  { label: 'test HR@10', value: (m) => m.metrics.hr10, format: (v) => decimals(v, 4), kind: 'quality' },
  { label: 'test MRR', value: (m) => m.metrics.mrr, format: (v) => decimals(v, 4), kind: 'quality' },
  { label: 'coverage@10', value: (m) => m.metrics.coverage10, format: (v) => decimals(v, 4), kind: 'quality' },
  { label: 'tail recall@10', value: (m) => m.metrics.tailRecall10, format: (v) => decimals(v, 4), kind: 'quality' },
  { label: 'validation NDCG@10', value: (m) => m.metrics.validNdcg10, format: (v) => decimals(v, 4), kind: 'quality' },
  { label: 'parameters', value: (m) => m.metrics.params, format: integer, kind: 'cost' },
  { label: 'weights (KB)', value: (m) => m.weights.bytes / 1024, format: (v) => decimals(v, 1), kind: 'cost' },
  { label: 'µs per request', value: (m) => m.metrics.usPerRequest, format: (v) => decimals(v, 1), kind: 'cost' },
  { label: 'training seconds', value: (m) => m.metrics.trainSeconds, format: (v) => decimals(v, 1), kind: 'cost' }
]

/** The versions compared: the newest readable teacher and the newest student that may serve. */
export function comparedPair (records: readonly VersionRecord[]): { teacher?: VersionRecord, student?: VersionRecord } {
  // records are newest first within a role
  return {
    teacher: records.find((r) => r.role === 'teacher' && r.manifest !== undefined && r.state !== 'rejected'),
    student: records.find((r) => r.role === 'student' && (r.state === 'ready' || r.state === 'active'))
  }
}

/** Student against teacher, quality and cost side by side, with the student/teacher ratio of each figure. */
export function comparisonSection (records: readonly VersionRecord[]): string {
  const { teacher, student } = comparedPair(records)
  const heading = '<h2 id="teacher-student">Teacher against student</h2>'
  if (teacher?.manifest === undefined || student?.manifest === undefined) {
    const missing = teacher === undefined && student === undefined ? 'a teacher and a ready student' : teacher === undefined ? 'a readable teacher' : 'a ready student'
    return `<section>${heading}<p class="note">Nothing to compare: there is no ${missing}.</p></section>`
  }
  const t = teacher.manifest
  const s = student.manifest
  const rows = ROWS.map((row) => {
    const tv = row.value(t)
    const sv = row.value(s)
    return `<tr class="${row.kind}"><th scope="row">${row.label}</th><td>${row.format(tv)}</td><td>${row.format(sv)}</td><td>${ratio(sv, tv, row.kind)}</td></tr>`
  })
  const overlap = s.metrics.teacherOverlap10
  const lineage = s.teacherVersion === t.version
    ? `Student v${s.version} was distilled from teacher v${t.version}.`
    : `Student v${s.version} was distilled from ${s.teacherVersion === null ? 'no saved teacher' : `teacher v${s.teacherVersion}`}, not from teacher v${t.version}.`
  return `<section>${heading}<p>${headline(t, s)}</p><table class="numbers comparison"><thead><tr><th></th><th>teacher v${t.version}</th><th>student v${s.version}</th><th>student / teacher</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table><p class="note">${lineage}` +
    `${overlap === undefined ? '' : ` Their top-10 lists share ${decimals(overlap * 100, 0)}% of items on the test split.`}</p></section>`
}

function headline (t: ArtifactManifest, s: ArtifactManifest): string {
  const kept = share(s.metrics.ndcg10, t.metrics.ndcg10)
  const params = share(t.metrics.params, s.metrics.params)
  const cost = share(t.metrics.usPerRequest, s.metrics.usPerRequest)
  const sentences: string[] = []
  if (kept !== undefined) sentences.push(`Student v${s.version} ${kept > 1 ? 'reaches' : 'keeps'} ${decimals(kept * 100, 0)}% of teacher v${t.version}'s test NDCG@10.`)
  const savings = [params === undefined ? '' : `has ${times(params)} fewer parameters`, cost === undefined ? '' : `needs ${times(cost)} less time per request`].filter((x) => x !== '')
  if (savings.length > 0) sentences.push(`${sentences.length === 0 ? `Student v${s.version}` : 'It'} ${savings.join(' and ')}.`)
  return sentences.length === 0 ? 'The manifests hold too few figures to compare.' : sentences.join(' ')
}

function share (num: number | undefined, den: number | undefined): number | undefined {
  return num === undefined || den === undefined || den === 0 ? undefined : num / den
}

/** Student over teacher; a cost the student cuts reads as a fraction (1/45), the way people say it. */
function ratio (sv: number | undefined, tv: number | undefined, kind: Row['kind']): string {
  const r = share(sv, tv)
  if (r === undefined) return DASH
  if (kind === 'cost' && r > 0 && r < 1) return `1/${times(1 / r).slice(0, -1)}`
  return `${r >= 10 ? r.toFixed(0) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`
}

function times (factor: number): string {
  return `${factor >= 10 ? factor.toFixed(0) : factor.toFixed(1)}×`
}
