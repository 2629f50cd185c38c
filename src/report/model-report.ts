/**
 * The model report: one self-contained HTML page (inline CSS and SVG, no script, no external
 * resource) over a models directory: every version with its figures and state, the newest teacher
 * against the newest ready student, and each run's learning curves. The CLI writes it to a file,
 * the admin API serves it.
 */
import { comparisonSection } from './comparison.js'
import { curveSection } from './curve-chart.js'
import { DASH, decimals, escapeHtml, integer, utcTime } from './html.js'
import { readModels, type VersionRecord } from './read-models.js'
import { REPORT_CSS } from './report-css.js'
import { onlineSection, type OnlineRow } from './online-section.js'
import { manifestFamily } from '../models/artifact/manifest.js'
import { selectionSection } from './selection-section.js'

export interface ModelReportOptions {
  /** The student version replicas serve, marked active; null or absent marks none. */
  active?: number | null
  title?: string
  /** Injected clock for testability. */
  now?: () => Date
  /** Online figures of the live versions (the admin API has them; the CLI does not). */
  online?: readonly OnlineRow[]
}

/** Renders the report of `modelsDir`; a directory that is missing or empty gives a page that says so. */
export async function renderModelReport (modelsDir: string, options: ModelReportOptions = {}): Promise<string> {
  const records = await readModels(modelsDir, { active: options.active })
  const title = options.title ?? 'distillrec model report'
  const generated = (options.now?.() ?? new Date()).toISOString()
  const header = `<header><h1>${escapeHtml(title)}</h1><p class="meta">Models directory <code>${escapeHtml(modelsDir)}</code> · generated ${utcTime(generated)}</p></header>`
  const body = records.length === 0
    ? `<section><h2>Versions</h2><p class="empty">No model versions under <code>${escapeHtml(modelsDir)}</code> yet. ` +
      'Train a teacher (<code>npm run train:teacher</code>) and distill a student (<code>npm run distill</code>), or let the worker do it.</p></section>'
    : [versionsSection(records, options.active ?? null), selectionSection(records), comparisonSection(records), curvesSection(records)].join('')
  const online = options.online === undefined ? '' : onlineSection(options.online)
  // the CSP makes any markup that slipped past escaping inert: the page needs nothing but its own styles
  return '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">' +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${REPORT_CSS}</style></head>` +
    `<body>${header}<main>${body}${online}</main></body></html>\n`
}

function versionsSection (records: readonly VersionRecord[], active: number | null): string {
  const head = ['role', 'version', 'family', 'created', 'state', 'test NDCG@10', 'HR@10', 'valid NDCG@10', 'params', 'KB', 'µs / request', 'teacher']
  const missingActive = active !== null && !records.some((r) => r.role === 'student' && r.version === active)
    ? `<p class="note">The active student v${active} is not in this directory.</p>`
    : ''
  return '<section><h2 id="versions">Versions</h2><table class="numbers versions"><thead><tr>' +
    head.map((h) => `<th>${h}</th>`).join('') + `</tr></thead><tbody>${records.map(versionRow).join('')}</tbody></table>${missingActive}</section>`
}

function versionRow (r: VersionRecord): string {
  const version = r.curves === null ? `v${r.version}` : `<a href="#curves-${r.role}-v${r.version}">v${r.version}</a>`
  const reason = r.reason === undefined ? '' : `<div class="reason">${escapeHtml(r.reason)}</div>`
  const state = `<td class="state"><span class="badge ${r.state}">${r.state}</span>${reason}</td>`
  const m = r.manifest
  // the student family (pooling for manifests from before families); a teacher has none
  const family = m === undefined ? DASH : (manifestFamily(m) ?? DASH) + (m.selection === null ? '' : ` <a href="#selection-v${r.version}">(auto)</a>`)
  const lead = `<tr class="${r.state}"><td>${r.role}</td><td>${version}</td><td>${family}</td>`
  if (m === undefined) return `${lead}<td>${DASH}</td>${state}<td colspan="7"></td></tr>`
  const cells = [decimals(m.metrics.ndcg10, 4), decimals(m.metrics.hr10, 4), decimals(m.metrics.validNdcg10, 4), integer(m.metrics.params),
    decimals(m.weights.bytes / 1024, 1), decimals(m.metrics.usPerRequest, 1), m.teacherVersion === null ? DASH : `v${m.teacherVersion}`]
  return `${lead}<td>${utcTime(m.created)}</td>${state}${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`
}

function curvesSection (records: readonly VersionRecord[]): string {
  return `<section><h2 id="curves">Learning curves</h2><div class="curve-grid">${records.map(curveSection).join('')}</div></section>`
}
