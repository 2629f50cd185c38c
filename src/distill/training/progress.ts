/**
 * Training progress on stderr: a one-line bar redrawn in place when the stream is a TTY, else one
 * line per epoch. `silentProgress` is the quiet twin for tests.
 */
export interface ProgressReporter {
  step (info: { epoch: number, epochs: number, step: number, steps: number, loss: number }): void
  epoch (info: EpochProgress): void
  /** The run's last line; `fields` holds its figures for a structured log (a terminal prints the text alone). */
  done (summary: string, fields?: LogFields): void
}

/**
 * Figures a progress or log line carries beside its text, so a structured log (the worker's pino)
 * can record them as fields; a terminal prints the text alone. Plain values: they cross threads.
 */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>

/** Where a run's progress lines go: the text, with its figures as fields when it has any. */
export type LogLine = (line: string, fields?: LogFields) => void

export interface EpochProgress {
  epoch: number
  epochs: number
  loss: number
  metric?: number
  seconds: number
  etaSeconds: number
}

interface ProgressStream {
  write (chunk: string): boolean
  isTTY?: boolean
}

const REDRAW_MS = 200
const BAR = 24

export function createProgress (label: string, stream: ProgressStream = process.stderr): ProgressReporter {
  const tty = stream.isTTY === true
  let lastDraw = 0
  return {
    step ({ epoch, epochs, step, steps, loss }) {
      if (!tty) return
      const now = Date.now()
      if (now - lastDraw < REDRAW_MS && step < steps) return
      lastDraw = now
      const filled = Math.round((step / steps) * BAR)
      stream.write(`\r${label} epoch ${epoch + 1}/${epochs} [${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${step}/${steps} loss ${loss.toFixed(4)}\u001b[K`)
    },
    epoch ({ epoch, epochs, loss, metric, seconds, etaSeconds }) {
      const metricText = metric === undefined ? '' : ` valid ndcg@10 ${metric.toFixed(4)}`
      const line = `${label} epoch ${epoch + 1}/${epochs} loss ${loss.toFixed(4)}${metricText} ${seconds.toFixed(1)}s eta ${formatDuration(etaSeconds)}`
      stream.write(tty ? `\r${line}\u001b[K\n` : `${line}\n`)
    },
    done (summary) {
      stream.write(`${label} ${summary}\n`)
    }
  }
}

/**
 * Progress of a long computation that is not an epoch (teacher targets, mixtures) as log lines:
 * `label: done/total positions (pct%), elapsed, eta`, at most one per `everyMs` (none for a
 * computation shorter than that). Pass it as `onProgress`.
 */
export function throttledProgress (label: string, log: LogLine, everyMs = 10_000, now = () => performance.now()): (done: number, total: number) => void {
  const started = now()
  let last = started
  return (done, total) => {
    const t = now()
    if (t - last < everyMs || done >= total) return
    last = t
    const elapsed = (t - started) / 1000
    const eta = done === 0 ? Infinity : elapsed * (total - done) / done
    log(`${label}: ${done}/${total} positions (${Math.floor(100 * done / total)}%), ${formatDuration(elapsed)}, eta ${formatDuration(eta)}`,
      { computing: label, done, total, seconds: Math.round(elapsed), etaSeconds: Number.isFinite(eta) ? Math.round(eta) : null })
  }
}

export const silentProgress: ProgressReporter = {
  step () {},
  epoch () {},
  done () {}
}

function formatDuration (seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  const s = Math.round(seconds)
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`
}
