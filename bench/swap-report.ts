/**
 * The tables bench/swap.ts prints: each load window next to the idle one and the issue's targets,
 * the swaps themselves, tensors and memory around them, and the two-replica convergence.
 */
import { markdownTable } from '../src/cli/table.js'
import type { MemoryFigures } from './swap-admin.js'
import { median, spread } from './serve-load.js'
import type { Convergence } from './swap-replicas.js'
import type { Window } from './swap-load.js'

export type PhaseName = 'idle' | 'swaps' | 'idle (worker embedded)' | 'training'

export interface Activation { version: number, status: number, ms: number, body: string }

export interface SwapRound { activations: Activation[], before: MemoryFigures, after: MemoryFigures }

export interface TrainingRound { startPhase: string, endState: string, endPhase: string, epochAtEnd: string, stillTraining: boolean, cancelled: string }

export interface Figures {
  windows: Map<PhaseName, Window[]>
  swaps: SwapRound[]
  training: TrainingRound[]
  convergence: Convergence[]
}

/** The swap window's p99 bound: 1.2x idle (the hot-swap issue), 1.5x for a 1,000,000-item catalogue (issue 20). */
const swapBound = (items: number): number => items >= 1_000_000 ? 1.5 : 1.2

const targets = (items: number): Partial<Record<PhaseName, { against: PhaseName, max: number }>> => ({
  swaps: { against: 'idle', max: swapBound(items) },
  training: { against: 'idle (worker embedded)', max: 1.5 }
})
const CONVERGENCE_TARGET_MS = 2000

/** The median, with (min-max) when there is more than one value. */
function stat (values: readonly number[], digits: number): string {
  if (values.length === 0) return '-'
  const m = median(values).toFixed(digits)
  return values.length === 1 ? m : `${m} (${spread(values, digits)})`
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0)

const counts = (map: ReadonlyMap<string | number, number>): string =>
  [...map].sort(([a], [b]) => String(a).localeCompare(String(b))).map(([key, n]) => `${key}: ${n}`).join(', ') || '-'

/** `items`: the synthetic catalogue's size (0: a dataset), which sets the swap window's bound. */
export function loadTable (f: Figures, items: number): string {
  const rows: string[][] = []
  const bounds = targets(items)
  for (const [phase, windows] of f.windows) {
    if (windows.length === 0) continue
    const target = bounds[phase]
    const base = target === undefined ? undefined : f.windows.get(target.against)
    const ratios = windows.flatMap((w, i) => base?.[i] === undefined ? [] : [w.p99 / base[i].p99]).filter((r) => Number.isFinite(r))
    const failed = windows.map((w) => w.non2xx + w.errors)
    const met = target === undefined ? '' : (median(ratios) <= target.max && failed.every((n) => n === 0) ? 'yes' : 'NO')
    rows.push([
      phase,
      stat(windows.map((w) => w.reqs), 0),
      stat(windows.map((w) => w.total), 0),
      String(sum(windows.map((w) => w.non2xx))),
      String(sum(windows.map((w) => w.errors))),
      String(sum(windows.map((w) => w.timeouts))),
      stat(windows.map((w) => w.p50), 2),
      stat(windows.map((w) => w.p99), 2),
      target === undefined ? '' : `${stat(ratios, 2)}x vs ${target.against}`,
      target === undefined ? '' : `0 failed, <= ${target.max}x`,
      met
    ])
  }
  return markdownTable(['phase', 'req/s', 'requests', 'non-2xx (all rounds)', 'errors (all rounds)', 'timeouts (all rounds)', 'p50 ms', 'p99 ms', 'p99 ratio', 'target', 'met'], rows)
}

/** What each window was answered with: X-Model-Version counts and non-2xx statuses. */
export function versionLines (f: Figures): string {
  const lines: string[] = []
  for (const [phase, windows] of f.windows) {
    windows.forEach((w, i) => {
      lines.push(`${phase} #${i + 1}: ${w.seconds.toFixed(1)} s; X-Model-Version ${counts(new Map([...w.versions].map(([v, n]) => [`v${v}`, n])))}; non-2xx ${counts(w.statuses)}`)
    })
  }
  return lines.join('\n')
}

export function swapTable (f: Figures): string {
  const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1)
  const rows = f.swaps.map((s, i) => {
    const ms = s.activations.map((a) => a.ms)
    const bad = s.activations.filter((a) => a.status !== 200)
    return [
      `#${i + 1}`,
      `${s.activations.length - bad.length}/${s.activations.length}`,
      `${median(ms).toFixed(0)} / ${Math.max(...ms).toFixed(0)}`,
      `${s.after.swapped - s.before.swapped} / ${s.after.refused - s.before.refused}`,
      (s.after.swapped > s.before.swapped ? (1000 * (s.after.swapSecondsSum - s.before.swapSecondsSum) / (s.after.swapped - s.before.swapped)).toFixed(0) : '-'),
      `${s.before.tensors} -> ${s.after.tensors}`,
      `${mb(s.before.heapUsedBytes)} -> ${mb(s.after.heapUsedBytes)}`,
      `${mb(s.before.rssBytes)} -> ${mb(s.after.rssBytes)}`,
      s.before.tensors === s.after.tensors ? 'yes' : 'NO'
    ]
  })
  return markdownTable(['round', 'activations 200', 'POST activate ms median / max', 'service swaps / refused', 'swap ms (mean)', 'tf tensors before -> after', 'heap used MB', 'RSS MB', 'tensors back'], rows)
}

export function failedActivations (f: Figures): string {
  return f.swaps.flatMap((s) => s.activations.filter((a) => a.status !== 200).map((a) => `  activate v${a.version}: ${a.status} ${a.body.slice(0, 200)}`)).join('\n')
}

export function trainingTable (f: Figures): string {
  return markdownTable(['round', 'phase when the window opened', 'job at the end of the window', 'epoch', 'still training', 'after DELETE'],
    f.training.map((t, i) => [`#${i + 1}`, t.startPhase, `${t.endState}/${t.endPhase}`, t.epochAtEnd, t.stillTraining ? 'yes' : 'NO', t.cancelled]))
}

export function convergenceTable (f: Figures): string {
  const ms = (x: number): string => Number.isNaN(x) ? 'never (30 s)' : x.toFixed(0)
  return markdownTable(['publication', 'version', 'replica 1 ms', 'replica 2 (empty MODELS_DIR) ms', 'job', `target <= ${CONVERGENCE_TARGET_MS} ms`],
    f.convergence.map((c) => [c.label, `v${c.version}`, ms(c.replicaMs[0]), ms(c.replicaMs[1]), c.job ?? '-', c.replicaMs.every((x) => x <= CONVERGENCE_TARGET_MS) ? 'yes' : 'NO']))
}
