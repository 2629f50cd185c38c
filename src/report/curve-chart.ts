import { DASH, decimals, escapeHtml } from './html.js'
import type { CurvePoint, VersionRecord } from './read-models.js'
import { lineChart, type Panel, type Series } from './svg-chart.js'

const TOTAL_COLOR = '#111827'
const VALID_COLOR = '#059669'

/**
 * The series one version's curves draw: the total loss, one line per loss term, and validation
 * NDCG@10 when the run validated. The browser test counts paths against this.
 */
export function curveSeries (points: readonly CurvePoint[]): { loss: Series[], quality: Series[] } {
  const termNames = [...new Set(points.flatMap((p) => Object.keys(p.terms)))]
  const loss: Series[] = [
    { name: 'loss (total)', color: TOTAL_COLOR, points: points.map((p) => [p.epoch, p.loss] as const) },
    ...termNames.map((name) => ({ name: `${name} term`, points: points.flatMap((p) => p.terms[name] === undefined ? [] : [[p.epoch, p.terms[name]] as const]) }))
  ]
  const valid = points.flatMap((p) => p.validNdcg === undefined ? [] : [[p.epoch, p.validNdcg] as const])
  return { loss, quality: valid.length === 0 ? [] : [{ name: 'valid NDCG@10', color: VALID_COLOR, points: valid }] }
}

/** One version's learning curves: a chart (loss panel over a validation panel) and its figures per epoch. */
export function curveSection (record: VersionRecord): string {
  const id = `${record.role}-v${record.version}`
  const heading = `<h3 id="curves-${id}">${record.role} v${record.version}</h3>`
  const curves = record.curves
  if (curves === null) return `<section class="curves">${heading}<p class="note">No curves.jsonl: this version was saved without per-epoch figures.</p></section>`
  const skipped = curves.skipped === 0 ? '' : `<p class="note">${curves.skipped} unreadable line${curves.skipped === 1 ? '' : 's'} of curves.jsonl skipped.</p>`
  if (curves.points.length === 0) return `<section class="curves">${heading}<p class="note">curves.jsonl has no readable epochs.</p>${skipped}</section>`
  const { loss, quality } = curveSeries(curves.points)
  const panels: Panel[] = [{ title: 'training loss (mean per position)', series: loss }]
  if (quality.length > 0) panels.push({ title: 'validation NDCG@10', series: quality })
  const chart = lineChart({
    panels,
    xLabel: 'epoch',
    label: `${record.role} v${record.version}: loss and validation NDCG@10 per epoch`,
    attributes: { 'data-version': String(record.version), 'data-role': record.role }
  })
  return `<section class="curves">${heading}${chart}${skipped}${epochTable(curves.points)}</section>`
}

function epochTable (points: readonly CurvePoint[]): string {
  const terms = [...new Set(points.flatMap((p) => Object.keys(p.terms)))]
  const head = ['epoch', 'loss', ...terms.map((t) => `${t} term`), 'valid NDCG@10', 'learning rate', 'teacher weight', 'seconds']
  const rows = points.map((p) => [String(p.epoch), decimals(p.loss, 4), ...terms.map((t) => decimals(p.terms[t], 4)),
    decimals(p.validNdcg, 4), p.learningRate === undefined ? DASH : String(Number(p.learningRate.toPrecision(4))), decimals(p.teacherWeight, 3), decimals(p.seconds, 2)])
  return '<details><summary>Figures per epoch</summary><table class="numbers"><thead><tr>' +
    head.map((h) => `<th>${escapeHtml(h)}</th>`).join('') + '</tr></thead><tbody>' +
    rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('') + '</tbody></table></details>'
}
