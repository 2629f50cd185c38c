import { rename, writeFile } from 'node:fs/promises'
import type { Measured } from './quality-measure.js'
import { isFailed, summarise, type FailedRow } from './quality-summary.js'

/** One row of one seed: its figures (with a note when its losses were cut down) or why it failed. */
export type QualityRow = ((Measured & { note?: string }) | FailedRow) & { seed: number }

export interface QualityRowsOptions {
  /** The results file, rewritten after every row. */
  file: string
  /** What the file says of the run besides its rows (data, mode, seeds...). */
  header: object
  /** When the run started: the file's `seconds` count from here. */
  started: Date
  log: (line: string) => void
}

/**
 * The rows of a quality run as they land. A row that throws is kept as failed with its reason and
 * the run goes on to the next; after every row the results file is rewritten whole (atomically,
 * `complete: false` until `finish`), so a run that dies keeps what it measured.
 */
export class QualityRows {
  readonly rows: QualityRow[] = []
  readonly #o: QualityRowsOptions

  constructor (options: QualityRowsOptions) {
    this.#o = options
  }

  async record (seed: number, model: string, measure: () => Promise<Measured & { note?: string }>): Promise<void> {
    try {
      const row = await measure()
      this.rows.push({ ...row, seed })
      this.#o.log(`seed ${seed}: ${row.model}: NDCG@10 ${row.ndcg.toFixed(4)}, HR@10 ${row.hr.toFixed(4)}, ${row.trainSeconds.toFixed(1)}s`)
    } catch (err) {
      const e = err as Error & { code?: string }
      const failed = `${e.code === undefined ? '' : `[${e.code}] `}${e.message}`
      this.rows.push({ model, failed, seed })
      this.#o.log(`seed ${seed}: ${model}: failed: ${failed}`)
    }
    await this.#write(false)
  }

  get failed (): number {
    return this.rows.filter(isFailed).length
  }

  /** The last write, marked complete. */
  async finish (): Promise<void> {
    await this.#write(true)
  }

  async #write (complete: boolean): Promise<void> {
    const tmp = `${this.#o.file}.${process.pid}.tmp`
    await writeFile(tmp, JSON.stringify({
      ...this.#o.header,
      complete,
      seconds: (Date.now() - this.#o.started.getTime()) / 1000,
      summary: summarise(this.rows),
      rows: this.rows
    }, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2))
    await rename(tmp, this.#o.file)
  }
}
