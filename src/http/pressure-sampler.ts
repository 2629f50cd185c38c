import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks'
import { getHeapStatistics } from 'node:v8'

/** What the event-loop delay histogram samples at (ms): its timer's period. */
export const DELAY_RESOLUTION_MS = 10

/** One sample of the event loop and the heap, as load shedding reads them. */
export interface PressureReading {
  /** Event-loop delay over the sample (ms): see sampleDelayMs. */
  eventLoopDelayMs: number
  /** Share of the sample the loop was busy, 0-1. */
  eventLoopUtilization: number
  heapUsedBytes: number
}

/**
 * The event-loop delay of one sample (ms): the histogram's mean delay (less its own resolution),
 * or how late the sample's own timer fired, whichever is larger. The histogram alone misses a
 * block that ends just after the sample is taken (its timer fires after the sample's, so the
 * sample holds no measurement of it, or only short ones before it); the sample's lateness is a
 * measurement of that block. A sample without any histogram measurement is not read as overload:
 * @fastify/under-pressure read it as an infinite delay, so a main thread the OS did not run for
 * one sample (2 cores shared with a loading thread and the load generator) shed the next sample.
 */
export function sampleDelayMs ({ meanNs, count, latenessMs }: { meanNs: number, count: number, latenessMs: number }): number {
  const mean = count > 0 && Number.isFinite(meanNs) ? Math.max(0, meanNs / 1e6 - DELAY_RESOLUTION_MS) : 0
  return Math.max(mean, latenessMs)
}

/**
 * Samples the event loop's delay and utilisation and the heap in use every `intervalMs`, so a
 * request reads the last sample without measuring anything itself. The timer is unref'd;
 * `stop()` releases it and the histogram.
 */
export class PressureSampler {
  readonly #intervalMs: number
  readonly #histogram: IntervalHistogram
  #timer: NodeJS.Timeout | undefined
  #due = 0
  #elu = performance.eventLoopUtilization()
  #last: PressureReading = { eventLoopDelayMs: 0, eventLoopUtilization: 0, heapUsedBytes: 0 }

  readonly #onSample: ((reading: Readonly<PressureReading>) => void) | undefined

  constructor (intervalMs: number, onSample?: (reading: Readonly<PressureReading>) => void) {
    this.#intervalMs = intervalMs
    this.#onSample = onSample
    this.#histogram = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS })
  }

  get last (): Readonly<PressureReading> {
    return this.#last
  }

  start (): void {
    if (this.#timer !== undefined) return
    this.#histogram.enable()
    this.#elu = performance.eventLoopUtilization()
    this.#due = performance.now() + this.#intervalMs
    this.#timer = setTimeout(() => this.#sample(), this.#intervalMs)
    this.#timer.unref()
  }

  stop (): void {
    if (this.#timer === undefined) return
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#histogram.disable()
  }

  #sample (): void {
    const now = performance.now()
    const h = this.#histogram
    const elu = performance.eventLoopUtilization()
    this.#last = {
      eventLoopDelayMs: sampleDelayMs({ meanNs: h.mean, count: h.count, latenessMs: Math.max(0, now - this.#due) }),
      eventLoopUtilization: performance.eventLoopUtilization(elu, this.#elu).utilization,
      heapUsedBytes: getHeapStatistics().used_heap_size
    }
    this.#elu = elu
    h.reset()
    this.#due = now + this.#intervalMs
    this.#timer?.refresh()
    this.#onSample?.(this.#last)
  }
}
