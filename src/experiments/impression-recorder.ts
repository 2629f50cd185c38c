import type { Attribution, Impression, ImpressionLog } from '../stores/impression-log.js'
import type { BackgroundTasks } from './background-tasks.js'

export interface ImpressionRecorderOptions {
  log: ImpressionLog
  tasks: BackgroundTasks
  /** IMPRESSION_SAMPLE: the share of answers recorded (0..1); the others carry an id all the same. */
  sample: number
  // Math.random is passed in for testability
  random?: () => number
  onRecorded?: (impression: Impression) => void
  /** Events that came before this impression, now attributed. */
  onAttributed?: (attribution: Attribution) => void
}

/** Records what /recommend showed, off the response path: the request never waits for it or sees it fail. */
export class ImpressionRecorder {
  readonly #o: ImpressionRecorderOptions

  constructor (options: ImpressionRecorderOptions) {
    if (!(options.sample >= 0 && options.sample <= 1)) throw new RangeError(`sample must be from 0 to 1, got ${options.sample}`)
    this.#o = options
  }

  /** Returns at once; false when the impression was not sampled. `sampled`: already decided (a shadow list follows its served one). */
  record (impression: Impression, sampled?: boolean): boolean {
    const { log, tasks, sample, random = Math.random, onRecorded, onAttributed } = this.#o
    if (sampled === false || (sampled === undefined && sample < 1 && random() >= sample)) return false
    tasks.run('record', async () => {
      const parked = await log.record(impression)
      onRecorded?.(impression)
      for (const attribution of parked) onAttributed?.(attribution)
    })
    return true
  }
}
