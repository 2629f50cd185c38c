import type { Metrics } from '../metrics/metrics.js'
import type { CounterTally } from '../metrics/tallied-counter.js'
import type { Arm, Attribution, Impression } from '../stores/impression-log.js'
import { addShownItems } from '../stores/shown-items.js'

export interface OnlineMetricsOptions {
  metrics: Pick<Metrics, 'onlineImpressions' | 'onlineListsWithEvent' | 'onlineEventRank' | 'onlineCoverage'>
  /** A version's catalogue size, while it is held (serving or a candidate). */
  catalogueSize: (version: number) => number | undefined
  /** The versions that may carry series now (serving, an experiment's); read on every update. */
  live: () => readonly number[]
}

/** One version and arm's series: its labels, its impressions' tally, the items shown, the frozen lists already added, the coverage last set. */
interface Entry {
  version: number
  arm: Arm
  labels: { version: string, arm: Arm }
  impressions: CounterTally
  shown: Set<string>
  lists: WeakSet<readonly string[]>
  coverage: number | undefined
}

/**
 * The online counters, labelled by version and arm with a bounded label set: only versions named
 * live (the one serving, and an experiment's control and candidate) are counted, and the series
 * of a version that stops being live are removed. Coverage is this replica's: distinct items
 * shown over the catalogue.
 */
export class OnlineMetrics {
  readonly #o: OnlineMetricsOptions
  #live: readonly number[] = []
  readonly #labels = new Map<string, Entry>()

  constructor (options: OnlineMetricsOptions) {
    this.#o = options
  }

  /** Removes the series of versions no longer live (called on every update, cheap when nothing changed). */
  refresh (): void {
    const live = this.#o.live()
    if (live.length === this.#live.length && live.every((v, i) => v === this.#live[i])) return
    this.#live = [...live]
    for (const [key, { version, arm, impressions }] of this.#labels) {
      if (live.includes(version)) continue
      const labels = { version: String(version), arm }
      const { onlineImpressions, onlineListsWithEvent, onlineEventRank, onlineCoverage } = this.#o.metrics
      onlineImpressions.drop(impressions)
      onlineImpressions.remove(labels)
      onlineListsWithEvent.remove(labels)
      onlineEventRank.remove(labels)
      onlineCoverage.remove(labels)
      this.#labels.delete(key)
    }
  }

  /** Label sets alive now (tests, and the bound they check). */
  get series (): number {
    return this.#labels.size
  }

  shown (impression: Impression): void {
    const entry = this.#entry(impression)
    if (entry === undefined) return
    entry.impressions.inc()
    addShownItems(entry.shown, entry.lists, impression.items)
    // the gauge is set only when coverage changed
    const size = this.#o.catalogueSize(impression.version)
    if (size === undefined || size <= 0) return
    const coverage = entry.shown.size / size
    if (coverage === entry.coverage) return
    entry.coverage = coverage
    this.#o.metrics.onlineCoverage.set(entry.labels, coverage)
  }

  attributed (attribution: Attribution): void {
    if (attribution.outcome !== 'attributed') return
    const { impression, rank, firstForList } = attribution
    const entry = this.#entry(impression)
    if (entry === undefined) return
    const { labels } = entry
    this.#o.metrics.onlineEventRank.observe(labels, rank)
    if (firstForList) this.#o.metrics.onlineListsWithEvent.inc(labels)
  }

  #entry ({ version, arm }: Pick<Impression, 'version' | 'arm'>): Entry | undefined {
    this.refresh()
    if (!this.#live.includes(version)) return undefined
    const key = `${version}:${arm}`
    let entry = this.#labels.get(key)
    if (entry === undefined) {
      const labels = { version: String(version), arm }
      entry = { version, arm, labels, impressions: this.#o.metrics.onlineImpressions.tally(labels), shown: new Set(), lists: new WeakSet(), coverage: undefined }
      this.#labels.set(key, entry)
    }
    return entry
  }
}
