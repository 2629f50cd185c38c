import type { Logger } from 'pino'
import type { ModelRegistry } from './model-registry.js'
import type { Servable } from './servable.js'

export interface ModelManagerOptions {
  registry: ModelRegistry
  /** Loads and validates one version (disk first, then the model store); throws when it cannot. */
  load: (version: number) => Promise<Servable>
  log: Logger
  /** After each swap: from, to and how long loading, warming and switching took. */
  onSwap?: (from: number, to: number, seconds: number) => void
  /** A version that could not be loaded or warmed; the active one keeps serving. */
  onRefused?: (version: number, err: unknown) => void
}

/** How many real queries warm a new version before it takes traffic. */
const WARM_QUERIES = 8

/**
 * Moves the registry to an announced version in TF Serving's availability-preserving order: load
 * the new version, warm it with real queries, switch the one reference requests read, and leave
 * the old version to be released when its last request ends. A failed load or warm-up leaves the
 * old version serving. Announcements are handled one at a time; of several that arrive during a
 * swap only the latest is acted on.
 */
export class ModelManager {
  readonly #options: ModelManagerOptions
  #pending: number | undefined
  #running: Promise<void> | undefined
  /** A version loaded ahead of its announcement, and how long loading it took (a swap's duration counts it). */
  #prepared: { servable: Servable, loadMs: number } | undefined

  constructor (options: ModelManagerOptions) {
    this.#options = options
  }

  /** Resolves when the announced version (or a later one) is serving, or was refused. */
  async announce (version: number): Promise<void> {
    this.#pending = version
    this.#running ??= this.#drain().finally(() => { this.#running = undefined })
    await this.#running
  }

  /**
   * Loads a version ahead of its announcement, as an activation's validation (loading checks all
   * that validating does), so that the announcement swaps to it without reading and checking its
   * files a second time. Throws as `load` does. One version is held at a time, until it is
   * announced, another is prepared or `discard` releases it.
   */
  async prepare (version: number): Promise<void> {
    const started = performance.now()
    const servable = await this.#options.load(version)
    this.discard()
    this.#prepared = { servable, loadMs: performance.now() - started }
  }

  /** Releases the prepared version (only if it is `version`, when given): its announcement will not come, or has been handled. */
  discard (version?: number): void {
    const prepared = this.#prepared?.servable
    if (prepared === undefined || (version !== undefined && prepared.version !== version)) return
    this.#prepared = undefined
    prepared.dispose()
  }

  /** Resolves once no swap is in progress (at shutdown, before the registry is closed). */
  async idle (): Promise<void> {
    await this.#running
  }

  async #drain (): Promise<void> {
    while (this.#pending !== undefined) {
      const version = this.#pending
      this.#pending = undefined
      if (version !== this.#options.registry.active.version) await this.#swapTo(version)
      else this.discard(version)
    }
  }

  async #swapTo (version: number): Promise<void> {
    const { registry, load, log, onSwap, onRefused } = this.#options
    const from = registry.active.version
    let started = performance.now()
    let next: Servable | undefined
    try {
      const prepared = this.#prepared
      if (prepared?.servable.version === version) {
        this.#prepared = undefined
        next = prepared.servable
        started -= prepared.loadMs
      } else {
        next = await load(version)
      }
      await warm(next)
    } catch (err) {
      next?.dispose()
      log.warn({ from, version, reason: (err as Error).message }, 'announced version refused; the active version keeps serving')
      onRefused?.(version, err)
      return
    }
    registry.swap(next)
    const seconds = (performance.now() - started) / 1000
    log.info({ from, to: version, ms: Math.round(seconds * 1000) }, 'model swapped')
    onSwap?.(from, version, seconds)
  }
}

/** Real queries through the whole ranking path: the most popular items as one-item histories. */
async function warm (servable: Servable): Promise<void> {
  const ranker = servable.ranker
  if (ranker === undefined) return
  const seeds = servable.popular(WARM_QUERIES, undefined).items
  await Promise.all(Array.from(seeds, async (item) => await ranker.rank(ranker.encode(Int32Array.of(item)), 10, undefined)))
}
