/** A GitHub-flavoured markdown table; the first column is left-aligned, the others right-aligned. */
export function markdownTable (headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`
  const rule = `|${widths.map((w, c) => (c === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`
  return [line(headers), rule, ...rows.map((r) => line(headers.map((_, c) => r[c] ?? '')))].join('\n')
}

/** Fixed decimals, with NaN (e.g. no tail cases) shown as a dash. */
export function fixed (value: number, digits = 4): string {
  return Number.isNaN(value) ? '–' : value.toFixed(digits)
}
