/** The report's only styles, inlined into the page (system fonts: the page loads nothing). */
export const REPORT_CSS = `
:root { color-scheme: light; --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --bg: #ffffff; --panel: #f9fafb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 20px 32px 12px; border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 4px; font-size: 22px; }
h2 { margin: 28px 0 10px; font-size: 18px; }
h3 { margin: 22px 0 6px; font-size: 15px; }
main { padding: 0 32px 40px; max-width: 1200px; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--panel); padding: 1px 4px; border-radius: 3px; }
.meta, .note, .reason { color: var(--muted); }
.reason { font-size: 12px; min-width: 14em; max-width: 24em; overflow-wrap: anywhere; }
td time { white-space: nowrap; }
.empty { padding: 16px; background: var(--panel); border: 1px dashed var(--line); border-radius: 6px; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { font-weight: 600; border-bottom: 2px solid var(--line); white-space: nowrap; }
table.numbers td { font-variant-numeric: tabular-nums; }
table.numbers td:not(:first-child):not(.state) { text-align: right; }
table.comparison td { text-align: right; }
table.comparison tr.cost th { color: #92400e; }
tr.failed td, tr.rejected td { background: #fef2f2; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; }
.badge.active { background: #dcfce7; color: #166534; }
.badge.ready { background: #dbeafe; color: #1e40af; }
.badge.rejected { background: #fee2e2; color: #991b1b; }
.badge.failed { background: #e5e7eb; color: #374151; }
.curve-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 8px 32px; }
.curve-grid > section { min-width: 0; }
details { margin: 4px 0 12px; overflow-x: auto; }
summary { cursor: pointer; color: var(--muted); }
svg.curve-chart { display: block; max-width: 100%; height: auto; background: var(--bg); }
svg.curve-chart .plot { fill: var(--panel); stroke: #d1d5db; }
svg.curve-chart .grid { stroke: var(--line); stroke-width: 1; }
svg.curve-chart .tick, svg.curve-chart .legend { font-size: 12px; fill: #374151; }
svg.curve-chart .panel-title, svg.curve-chart .axis-label { font-size: 13px; font-weight: 600; fill: var(--fg); }
svg.curve-chart path.series { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
svg.curve-chart .legend-swatch { stroke-width: 3; }
`
