import { Counter, type CounterConfiguration, type LabelValues } from 'prom-client'

/** One label set of a TalliedCounter, counted with one addition. */
export interface CounterTally {
  inc: () => void
}

class Tally<T extends string> implements CounterTally {
  count = 0
  constructor (readonly labels: LabelValues<T>) {}

  inc (): void {
    this.count++
  }
}

/**
 * A prom-client Counter with tallies for the label sets counted on every request: a tally's
 * `inc()` adds to a plain number, and the tallies are added to the counter whenever it is read (a
 * scrape, `get()`) through prom-client's `collect` hook. The counter's own `inc(labels)` hashes and
 * checks the labels on every call, a cost the cache-hit path paid several times per request.
 * Everything else is the Counter's own; `inc(labels)` still works beside the tallies.
 */
export class TalliedCounter<T extends string> extends Counter<T> {
  readonly #tallies: Array<Tally<T>> = []

  constructor (configuration: Omit<CounterConfiguration<T>, 'collect'>) {
    super({
      ...configuration,
      collect (this: Counter<T>) {
        (this as TalliedCounter<T>).#flush()
      }
    })
  }

  /** The tally of one label set; keep it, and call its `inc()` per event. */
  tally (labels: LabelValues<T>): CounterTally {
    const tally = new Tally(labels)
    this.#tallies.push(tally)
    return tally
  }

  /** Stops adding `tally` (what it counted since the last read is dropped): before `remove(labels)` of its series. */
  drop (tally: CounterTally): void {
    const index = this.#tallies.indexOf(tally as Tally<T>)
    if (index >= 0) this.#tallies.splice(index, 1)
  }

  #flush (): void {
    for (const tally of this.#tallies) {
      if (tally.count === 0) continue
      this.inc(tally.labels, tally.count)
      tally.count = 0
    }
  }
}
