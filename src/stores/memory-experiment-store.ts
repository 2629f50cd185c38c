import { isUnfinished, type Experiment, type ExperimentState, type ExperimentStore, type NewExperiment } from './experiment-store.js'

/** In-memory twin of RedisExperimentStore: one process. */
export class MemoryExperimentStore implements ExperimentStore {
  readonly #experiments = new Map<number, Experiment>()
  #next = 0
  #current: number | null = null

  async create (fields: NewExperiment): Promise<{ created: Experiment } | { running: number }> {
    if (this.#current !== null) return { running: this.#current }
    const created: Experiment = { ...fields, id: ++this.#next, state: 'running', endedAt: null, reason: null }
    this.#experiments.set(created.id, created)
    this.#current = created.id
    return { created: { ...created } }
  }

  async get (id: number): Promise<Experiment | null> {
    const found = this.#experiments.get(id)
    return found === undefined ? null : { ...found }
  }

  async current (): Promise<Experiment | null> {
    return this.#current === null ? null : await this.get(this.#current)
  }

  async transition (id: number, from: ExperimentState, to: ExperimentState, fields: Partial<Pick<Experiment, 'endedAt' | 'reason'>> = {}): Promise<Experiment | null> {
    const found = this.#experiments.get(id)
    if (found === undefined || found.state !== from) return null
    const next = { ...found, ...fields, state: to }
    this.#experiments.set(id, next)
    if (!isUnfinished(to) && this.#current === id) this.#current = null
    return { ...next }
  }

  async close (): Promise<void> {}
}
