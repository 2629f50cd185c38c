import { decimals, escapeHtml, integer } from './html.js'
import type { VersionRecord } from './read-models.js'

/**
 * How `--student auto` (or WORKER_STUDENT=auto) chose each such student's family: every family it
 * trained with its validation NDCG@10, serving cost, parameters and why it was or was not
 * eligible, the chosen one first in bold, and the reason. Absent when no version was chosen so.
 */
export function selectionSection (records: readonly VersionRecord[]): string {
  const chosen = records.filter((r) => r.manifest?.selection != null)
  if (chosen.length === 0) return ''
  const head = ['family', 'valid NDCG@10', 'µs / request', 'params', 'eligible', 'why']
  const tables = chosen.map((r) => {
    const s = r.manifest!.selection!
    const rows = [...s.candidates].sort((a, b) => Number(b.family === s.chosen) - Number(a.family === s.chosen)).map((c) => {
      const cells = [escapeHtml(c.family), decimals(c.ndcg, 4), decimals(c.costMs * 1000, 1), integer(c.params), c.eligible ? 'yes' : 'no', escapeHtml(c.why)]
      return `<tr${c.family === s.chosen ? ' class="chosen"' : ''}>${cells.map((x) => `<td>${c.family === s.chosen ? `<strong>${x}</strong>` : x}</td>`).join('')}</tr>`
    }).join('')
    const cap = s.maxParams === null ? 'no parameter cap' : `at most ${integer(s.maxParams)} parameters`
    return `<h3 id="selection-v${r.version}">student v${r.version}: ${escapeHtml(s.chosen)}</h3>` +
      `<p class="meta">${escapeHtml(s.reason)} (budget ${decimals(s.latencyBudgetMs, 3)} ms per request, ${cap})</p>` +
      `<table class="numbers selection"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`
  })
  return `<section><h2 id="selection">Student families chosen</h2>${tables.join('')}</section>`
}
