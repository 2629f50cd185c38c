import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { ServiceError } from '../errors.js'
import type { Experiment, ExperimentStore } from '../stores/experiment-store.js'
import type { VersionChannel } from '../stores/version-channel.js'
import { activateVersion } from '../versions/activate.js'
import type { VersionSources } from '../versions/version-files.js'
import { listStudentVersions } from '../versions/version-list.js'
import { announceExperiment } from './announce-experiment.js'
import type { ExperimentRuntime } from './experiment-runtime.js'

export interface ExperimentControlOptions {
  store: ExperimentStore
  runtime: Pick<ExperimentRuntime, 'sync'>
  /** Where a promotion activates its candidate, and where every change is announced to the other replicas. */
  channel: VersionChannel
  sources: VersionSources
  /** The version this replica serves (the control of a new experiment). */
  active: () => number
  /** This replica's swap to an activated version (ModelManager.announce). */
  announce: (version: number) => Promise<void>
  log: Logger
  // Date.now is passed in for testability
  now?: () => number
}

export interface ExperimentRequest {
  candidate: number
  percent: number
  mode?: 'split' | 'shadow'
}

/**
 * Starting, promoting and stopping experiments, for the admin routes. Every end is a
 * compare-and-set on the store, so of a promotion and a stop (from any replicas) exactly one
 * happens; a promotion also refuses when the active version is no longer the experiment's
 * control, and goes through activateVersion, the one way a version becomes active. Every change
 * is announced on the version channel, so every replica follows it at once; this replica has
 * followed it when the call returns.
 */
export class ExperimentControl {
  readonly #o: ExperimentControlOptions

  constructor (options: ExperimentControlOptions) {
    this.#o = options
  }

  async start ({ candidate, percent, mode = 'split' }: ExperimentRequest): Promise<Experiment> {
    const { store, sources, active, now = Date.now } = this.#o
    const control = active()
    const info = (await listStudentVersions(sources, null)).find((v) => v.version === candidate)
    if (info === undefined) throw new ServiceError('NOT_FOUND', `no student version ${candidate} in this replica's models directory or the model store`, 'candidate')
    if (info.state === 'rejected' || info.state === 'failed') throw new ServiceError('CONFLICT', `student v${candidate} is ${info.state}: ${info.reason ?? ''}`, 'candidate')
    if (candidate === control) throw new ServiceError('CONFLICT', `v${candidate} is the active version: an experiment needs another candidate`, 'candidate')
    const result = await store.create({ control, candidate, percent, mode, salt: randomBytes(8).toString('hex'), createdAt: new Date(now()).toISOString() })
    if ('running' in result) throw new ServiceError('CONFLICT', `experiment ${result.running} is still running: promote or stop it first`)
    await this.#changed(result.created.id)
    return result.created
  }

  async get (id: number): Promise<Experiment> {
    const experiment = await this.#o.store.get(id)
    if (experiment === null) throw new ServiceError('NOT_FOUND', `no experiment ${id}`)
    return experiment
  }

  async promote (id: number): Promise<Experiment> {
    const { store, channel, sources, active, announce, now = Date.now } = this.#o
    const experiment = await this.get(id)
    if (experiment.state !== 'running') throw new ServiceError('CONFLICT', `experiment ${id} already ended (${experiment.state})`)
    const recorded = (await channel.active()) ?? active()
    if (recorded !== experiment.control) {
      throw new ServiceError('CONFLICT', `the active version is v${recorded}, not the experiment's control v${experiment.control}: stop it and start another`)
    }
    if (await store.transition(id, 'running', 'promoting') === null) throw new ServiceError('CONFLICT', `experiment ${id} was ended meanwhile`)
    // every replica stops splitting now, before the candidate is activated
    await this.#changed(id)
    try {
      await activateVersion({ ...sources, version: experiment.candidate, channel })
    } catch (err) {
      const reason = `promotion failed: v${experiment.candidate} cannot be activated: ${(err as Error).message}`
      await store.transition(id, 'promoting', 'stopped', { endedAt: new Date(now()).toISOString(), reason })
      await this.#changed(id)
      throw new ServiceError('CONFLICT', reason)
    }
    const promoted = await store.transition(id, 'promoting', 'promoted', { endedAt: new Date(now()).toISOString(), reason: null })
    await announce(experiment.candidate)
    await this.#changed(id)
    return promoted ?? await this.get(id)
  }

  async stop (id: number, reason = 'stopped by an operator'): Promise<Experiment> {
    const { store, now = Date.now } = this.#o
    const experiment = await this.get(id)
    const stopped = await store.transition(id, 'running', 'stopped', { endedAt: new Date(now()).toISOString(), reason })
    if (stopped === null) throw new ServiceError('CONFLICT', `experiment ${id} already ended (${experiment.state === 'running' ? 'meanwhile' : experiment.state})`)
    await this.#changed(id)
    return stopped
  }

  /** The store has changed experiment `id`: every other replica is told, this one follows before the answer. */
  async #changed (id: number): Promise<void> {
    await Promise.all([announceExperiment(this.#o.channel, id, this.#o.log), this.#o.runtime.sync()])
  }
}
