/**
 * Line charts as inline SVG strings, no script: one or more panels stacked over a shared x axis,
 * each with its own y axis and legend. Every series is one `<path class="series">` plus a
 * `<circle>` per point whose `<title>` shows the exact figure on hover.
 */
import { escapeHtml } from './html.js'

export interface Series {
  name: string
  points: ReadonlyArray<readonly [x: number, y: number]>
  color?: string
}

export interface Panel {
  title: string
  series: readonly Series[]
}

export interface LineChartOptions {
  panels: readonly Panel[]
  xLabel: string
  /** Attributes of the `<svg>` element (class="curve-chart" is always set); values are escaped. */
  attributes?: Readonly<Record<string, string>>
  /** The chart's accessible name. */
  label: string
}

export const PALETTE = ['#1d4ed8', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#4b5563']

const WIDTH = 720
const PANEL_HEIGHT = 190
const MARGIN = { left: 64, right: 168, top: 30, bottom: 42 }
const PANEL_GAP = 48

export function lineChart ({ panels, xLabel, attributes = {}, label }: LineChartOptions): string {
  const xs = panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([x]) => x)))
  const x = xs.length === 0 ? { min: 0, max: 1, ticks: [] } : integerTicks(Math.min(...xs), Math.max(...xs))
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const height = MARGIN.top + panels.length * PANEL_HEIGHT + (panels.length - 1) * PANEL_GAP + MARGIN.bottom
  const sx = (v: number): number => MARGIN.left + ((v - x.min) / (x.max - x.min)) * plotWidth
  const body = panels.map((panel, i) => drawPanel(panel, MARGIN.top + i * (PANEL_HEIGHT + PANEL_GAP), plotWidth, sx, x.ticks, xLabel, i === panels.length - 1))
  const attrs = Object.entries(attributes).map(([k, v]) => ` ${escapeHtml(k)}="${escapeHtml(v)}"`).join('')
  return `<svg class="curve-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeHtml(label)}"${attrs}>` +
    `${body.join('')}</svg>`
}

function drawPanel (panel: Panel, top: number, plotWidth: number, sx: (v: number) => number, xTicks: readonly number[], xLabel: string, last: boolean): string {
  const ys = panel.series.flatMap((s) => s.points.map(([, y]) => y))
  const y = niceTicks(Math.min(...ys), Math.max(...ys))
  const sy = (v: number): number => top + PANEL_HEIGHT - ((v - y.min) / (y.max - y.min)) * PANEL_HEIGHT
  const digits = Math.max(0, -Math.floor(Math.log10(y.step)))
  const right = MARGIN.left + plotWidth
  const parts = [`<g class="panel"><text class="panel-title" x="${MARGIN.left}" y="${top - 10}">${escapeHtml(panel.title)}</text>`,
    `<rect class="plot" x="${MARGIN.left}" y="${top}" width="${plotWidth}" height="${PANEL_HEIGHT}"/>`]
  for (const t of y.ticks) {
    const py = round(sy(t))
    parts.push(`<line class="grid" x1="${MARGIN.left}" x2="${right}" y1="${py}" y2="${py}"/>`,
      `<text class="tick" x="${MARGIN.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${t.toFixed(digits)}</text>`)
  }
  for (const t of xTicks) {
    const px = round(sx(t))
    parts.push(`<line class="grid" x1="${px}" x2="${px}" y1="${top}" y2="${top + PANEL_HEIGHT}"/>`,
      `<text class="tick" x="${px}" y="${top + PANEL_HEIGHT + 16}" text-anchor="middle">${t}</text>`)
  }
  if (last) parts.push(`<text class="axis-label" x="${round(MARGIN.left + plotWidth / 2)}" y="${top + PANEL_HEIGHT + 34}" text-anchor="middle">${escapeHtml(xLabel)}</text>`)
  panel.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]
    const pts = s.points.map(([px, py]) => [round(sx(px)), round(sy(py))] as const)
    // a one-epoch run is a short tick, so the series still has a visible extent
    const d = pts.length === 1
      ? `M${pts[0][0] - 6} ${pts[0][1]}H${pts[0][0] + 6}`
      : pts.map(([px, py], j) => `${j === 0 ? 'M' : 'L'}${px} ${py}`).join('')
    const name = escapeHtml(s.name)
    parts.push(`<path class="series" data-series="${name}" d="${d}" stroke="${color}"/>`)
    s.points.forEach(([px, py], j) => parts.push(`<circle cx="${pts[j][0]}" cy="${pts[j][1]}" r="3" fill="${color}"><title>${name}, epoch ${px}: ${formatValue(py)}</title></circle>`))
    const ly = top + 10 + i * 18
    parts.push(`<line class="legend-swatch" x1="${right + 14}" x2="${right + 34}" y1="${ly}" y2="${ly}" stroke="${color}"/>`,
      `<text class="legend" x="${right + 40}" y="${ly}" dominant-baseline="middle">${name}</text>`)
  })
  parts.push('</g>')
  return parts.join('')
}

/** Round tick values covering [min, max]: steps of 1, 2 or 5 times a power of ten, about `count` of them. */
export function niceTicks (min: number, max: number, count = 5): { min: number, max: number, step: number, ticks: number[] } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return niceTicks(0, 1, count)
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1
    return niceTicks(min - pad, max + pad, count)
  }
  const rough = (max - min) / count
  const power = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power
  const lo = tidy(Math.floor(min / step) * step)
  const hi = tidy(Math.ceil(max / step) * step)
  const ticks: number[] = []
  for (let i = 0; lo + i * step <= hi + step / 2; i++) ticks.push(tidy(lo + i * step))
  return { min: lo, max: hi, step, ticks }
}

/** Epoch ticks: whole numbers, at most about ten; a single epoch sits in the middle. */
export function integerTicks (min: number, max: number): { min: number, max: number, ticks: number[] } {
  if (min === max) return { min: min - 1, max: max + 1, ticks: [min] }
  const step = Math.max(1, Math.ceil((max - min) / 10))
  const ticks: number[] = []
  for (let t = Math.ceil(min); t <= max; t += step) ticks.push(t)
  return { min, max, ticks }
}

function formatValue (v: number): string {
  return Math.abs(v) >= 1000 || v === 0 ? String(Number(v.toPrecision(6))) : v.toPrecision(4)
}

/** Drops floating-point dust (0.15000000000000002) from tick values. */
function tidy (v: number): number {
  return Number(v.toPrecision(12))
}

function round (v: number): number {
  return Math.round(v * 10) / 10
}
