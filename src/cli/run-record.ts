import { appendFileSync } from 'node:fs'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { createProgress, type ProgressReporter } from '../distill/training/progress.js'
import { writableDir } from './writable-dir.js'

/** Options every experiment command takes: where its figures and its log go. */
export const RECORD_OPTIONS = {
  results: { type: 'string', description: 'JSON file for the run\'s figures (default: <models-dir>/results/<command>-<UTC time>.json; "none": no file)' },
  log: { type: 'string', description: 'also append every line the run prints, epoch progress included, to this file' }
} as const

export interface RunRecord {
  /** Prints a line, and appends it to the log file when there is one. */
  print: (line: string) => void
  /** Epoch progress on stderr, and in the log file when there is one. */
  progress: (label: string) => ProgressReporter
  /** Writes the run's figures as JSON (with the command, its arguments and times); returns the path, or null with "none". */
  write: (figures: object) => Promise<string | null>
  /** Refuses a results file that could not be written, before the run trains (see writableDir). */
  ready: () => Promise<void>
}

/** A command's run: its printed lines and progress teed to `--log`, its figures kept in `--results`. */
export function runRecord (command: string, argv: readonly string[], args: { results?: string, log?: string, 'models-dir': string }, print: (line: string) => void): RunRecord {
  const started = new Date()
  const log = args.log === undefined ? undefined : resolve(args.log)
  const toLog = (text: string): void => { if (log !== undefined) appendFileSync(log, text) }
  const logStream = { write: (chunk: string) => { toLog(chunk); return true } }
  const resultsPath = (): string => resolve(args.results ?? join(args['models-dir'], 'results', `${command}-${started.toISOString().replace(/[:.]/g, '-')}.json`))
  return {
    print (line) {
      print(line)
      toLog(`${line}\n`)
    },
    progress (label) {
      const terminal = createProgress(label)
      if (log === undefined) return terminal
      const file = createProgress(label, logStream)
      return {
        step: (info) => terminal.step(info),
        epoch: (info) => { terminal.epoch(info); file.epoch(info) },
        done: (summary, fields) => { terminal.done(summary, fields); file.done(summary, fields) }
      }
    },
    async write (figures) {
      if (args.results === 'none') return null
      const path = resultsPath()
      const finished = new Date()
      await mkdir(dirname(path), { recursive: true })
      const tmp = `${path}.${process.pid}.tmp`
      await writeFile(tmp, JSON.stringify({ command, argv, started: started.toISOString(), finished: finished.toISOString(), seconds: (finished.getTime() - started.getTime()) / 1000, ...figures }, null, 2) + '\n')
      await rename(tmp, path)
      return path
    },
    async ready () {
      if (args.results !== 'none') await writableDir(dirname(resultsPath()), args.results === undefined ? '--models-dir (results/)' : '--results')
    }
  }
}
