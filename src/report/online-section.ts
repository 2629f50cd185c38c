import { DASH, decimals, escapeHtml, integer } from './html.js'

/** The online figures the report shows per version and arm (experiments/online-figures.ts computes them). */
export interface OnlineRow {
  version: number
  arm: string
  impressions: number
  hitRate: number
  ctrAt10: number
  dcg: number
  coverage: number | null
}

/** Online figures: what users did with the lists each live version showed them. */
export function onlineSection (rows: readonly OnlineRow[]): string {
  const head = ['version', 'arm', 'impressions', 'hit rate', 'CTR@10', 'online DCG', 'coverage']
  const body = rows.length === 0
    ? '<p class="empty">No impressions recorded yet for the versions serving or in an experiment.</p>'
    : '<table class="numbers online"><thead><tr>' + head.map((h) => `<th>${h}</th>`).join('') + '</tr></thead><tbody>' +
      rows.map((r) => `<tr><td>v${r.version}</td><td>${escapeHtml(r.arm)}</td><td>${integer(r.impressions)}</td><td>${decimals(r.hitRate, 4)}</td>` +
        `<td>${decimals(r.ctrAt10, 4)}</td><td>${decimals(r.dcg, 4)}</td><td>${r.coverage === null ? DASH : decimals(r.coverage, 4)}</td></tr>`).join('') +
      '</tbody></table>'
  return `<section><h2 id="online">Online</h2>${body}</section>`
}
