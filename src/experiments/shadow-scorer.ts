import type { RecommendRequest, Recommender } from '../serving/recommender.js'
import type { ImpressionRecorder } from './impression-recorder.js'
import type { BackgroundTasks } from './background-tasks.js'
import { shadowId } from './attributor.js'
import type { Served } from './online-recommender.js'

/** overlap@k: items the two lists share in their top k, over k. */
export function overlapAt (k: number, a: readonly string[], b: readonly string[]): number {
  const top = new Set(a.slice(0, k))
  let shared = 0
  for (const item of b.slice(0, k)) if (top.has(item)) shared++
  return shared / k
}

const LATENCY_SAMPLES = 1024

/** This replica's shadow figures for one experiment. */
export interface ShadowFigures {
  scored: number
  failed: number
  /** Requests not scored because `maxInFlight` shadow scorings were already under way (load). */
  skipped: number
  meanOverlapAt10: number | null
  p50Ms: number | null
  p99Ms: number | null
}

export interface ShadowScorerOptions {
  experimentId: number
  candidate: Pick<Recommender, 'recommend'>
  tasks: BackgroundTasks
  recorder: ImpressionRecorder
  /**
   * Shadow scorings under way at most (default 2); a request beyond them is left out of the
   * experiment (served as arm `serving`, counted as skipped), so that under load the candidate
   * never takes more than this share of the event loop from serving, and the control and shadow
   * arms keep the same requests.
   */
  maxInFlight?: number
  onScored?: (overlap: number, seconds: number) => void
}

/**
 * Scores the candidate on a request the control answered, after the answer is sent (the next
 * turn of the event loop): the user sees the control's list only, and the candidate's failure is
 * counted, never seen. Its list is recorded as a `shadow` impression beside the served one.
 */
export class ShadowScorer {
  readonly #o: ShadowScorerOptions
  #scored = 0
  #failed = 0
  #skipped = 0
  #inFlight = 0
  #overlapSum = 0
  readonly #latencies: number[] = []

  constructor (options: ShadowScorerOptions) {
    this.#o = options
  }

  /**
   * Takes a slot for one request before it is served; false (counted as skipped) while
   * `maxInFlight` scorings are under way. A taken slot is given back by `score` or `abandon`.
   */
  reserve (): boolean {
    if (this.#inFlight >= (this.#o.maxInFlight ?? 2)) {
      this.#skipped++
      return false
    }
    this.#inFlight++
    return true
  }

  /** Gives a reserved slot back unused (the served request failed). */
  abandon (): void {
    this.#inFlight--
  }

  /** Scores the request a reserved slot was taken for, off the response path. */
  score (request: RecommendRequest, served: Served, recorded: boolean): void {
    const { candidate, tasks, recorder, experimentId, onScored } = this.#o
    tasks.run('shadow', async () => {
      let shadow
      const started = performance.now()
      try {
        await new Promise((resolve) => setImmediate(resolve))
        shadow = await candidate.recommend(request)
      } catch (err) {
        this.#failed++
        throw err
      } finally {
        this.#inFlight--
      }
      const seconds = (performance.now() - started) / 1000
      const items = shadow.items.map((item) => item.itemId)
      const overlap = overlapAt(10, served.recommendation.items.map((item) => item.itemId), items)
      this.#scored++
      this.#overlapSum += overlap
      if (this.#latencies.length < LATENCY_SAMPLES) this.#latencies.push(seconds * 1000)
      else this.#latencies[Math.floor(Math.random() * LATENCY_SAMPLES)] = seconds * 1000
      onScored?.(overlap, seconds)
      recorder.record({ id: shadowId(served.recommendationId), userId: request.userId ?? null, version: shadow.modelVersion, arm: 'shadow', experimentId, items, ts: Date.now() }, recorded)
    })
  }

  figures (): ShadowFigures {
    const sorted = [...this.#latencies].sort((a, b) => a - b)
    const at = (q: number): number | null => sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
    return { scored: this.#scored, failed: this.#failed, skipped: this.#skipped, meanOverlapAt10: this.#scored === 0 ? null : this.#overlapSum / this.#scored, p50Ms: at(0.5), p99Ms: at(0.99) }
  }
}
