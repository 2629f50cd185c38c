import type { Servable } from './servable.js'

/** A request's hold on one version: use `servable` until `release()`, which must be called once. */
export interface Lease {
  readonly servable: Servable
  release (): void
}

interface Entry {
  servable: Servable
  holders: number
  retired: boolean
  disposed: boolean
}

export interface ModelRegistryOptions {
  /** After a swap, when the retired version's last request has ended and it is disposed. */
  onRetired?: (servable: Servable) => void
}

/**
 * Holds the version requests are served from. A swap changes one reference; the old version keeps
 * serving the requests that hold it and is disposed when the last of them releases it.
 */
export class ModelRegistry {
  #active: Entry
  readonly #options: ModelRegistryOptions

  constructor (initial: Servable, options: ModelRegistryOptions = {}) {
    this.#active = { servable: initial, holders: 0, retired: false, disposed: false }
    this.#options = options
  }

  get active (): Servable {
    return this.#active.servable
  }

  /** The student version served, or null while the popularity fallback serves. */
  get student (): number | null {
    return this.#active.servable.kind === 'student' ? this.#active.servable.version : null
  }

  acquire (): Lease {
    const entry = this.#active
    entry.holders++
    return new HeldLease(entry, this.#release)
  }

  /** Makes `next` the active version; returns the one it replaced (disposed once unheld). */
  swap (next: Servable): Servable {
    const previous = this.#active
    this.#active = { servable: next, holders: 0, retired: false, disposed: false }
    previous.retired = true
    this.#disposeIfDone(previous)
    return previous.servable
  }

  /** Disposes the active version (at shutdown, after the HTTP server has drained). */
  close (): void {
    this.#active.retired = true
    this.#disposeIfDone(this.#active)
  }

  // one function for every lease (a closure per request costs on the cache-hit path)
  readonly #release = (entry: Entry): void => {
    entry.holders--
    this.#disposeIfDone(entry)
  }

  #disposeIfDone (entry: Entry): void {
    if (!entry.retired || entry.holders > 0 || entry.disposed) return
    entry.disposed = true
    entry.servable.dispose()
    this.#options.onRetired?.(entry.servable)
  }
}

/** A lease as a class, not an object with a closure: one is made per request. */
class HeldLease implements Lease {
  readonly servable: Servable
  #entry: Entry | undefined

  constructor (entry: Entry, private readonly onRelease: (entry: Entry) => void) {
    this.servable = entry.servable
    this.#entry = entry
  }

  release (): void {
    const entry = this.#entry
    if (entry === undefined) return
    this.#entry = undefined
    this.onRelease(entry)
  }
}
