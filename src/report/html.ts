/** Text for HTML element content and quoted attribute values: every string read from a file goes through it. */
export function escapeHtml (value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c])
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Shown where a figure is missing (an older manifest, a teacher without a teacher). */
export const DASH = '—'

/** Fixed decimals, or a dash for a missing or non-finite figure. */
export function decimals (value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? DASH : value.toFixed(digits)
}

/** A whole number with thousands separators (en-US, so the page reads the same everywhere). */
export function integer (value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? DASH : Math.round(value).toLocaleString('en-US')
}

/** An ISO time as `YYYY-MM-DD HH:MM:SS UTC`, escaped; the original when it does not parse. */
export function utcTime (iso: string): string {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return escapeHtml(iso)
  return `<time datetime="${escapeHtml(new Date(ms).toISOString())}">${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC</time>`
}
