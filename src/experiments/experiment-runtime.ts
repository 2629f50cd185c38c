import type { Logger } from 'pino'
import type { Recommender } from '../serving/recommender.js'
import type { ChannelMessage } from '../stores/channel-message.js'
import type { Experiment, ExperimentStore } from '../stores/experiment-store.js'
import type { VersionChannel } from '../stores/version-channel.js'
import { inCandidate } from './assignment.js'
import type { BackgroundTasks } from './background-tasks.js'
import { Candidate, type CandidateServing } from './candidate.js'
import type { ImpressionRecorder } from './impression-recorder.js'
import type { ArmChoice } from './online-recommender.js'
import { ShadowScorer, type ShadowFigures } from './shadow-scorer.js'

export interface ExperimentRuntimeOptions {
  store: ExperimentStore
  /** Where experiment changes are announced (ExperimentControl, the canary): each one is followed at once. */
  channel: Pick<VersionChannel, 'subscribe'>
  serving: CandidateServing & { active: () => number }
  control: Pick<Recommender, 'recommend'>
  tasks: BackgroundTasks
  recorder: ImpressionRecorder
  /**
   * How often the store is read anyway (EXPERIMENT_POLL_MS): the safety net for an announcement
   * lost on the way (published while this replica's channel was down, or never published).
   */
  pollMs: number
  /** Shadow lists are attributed for this long after a shadow experiment ends (ATTRIBUTION_WINDOW). */
  windowMs: number
  log: Logger
  onShadowScored?: (overlap: number, seconds: number) => void
}

interface Running {
  experiment: Experiment
  /** Undefined while it loads, or when this replica could not load it (control serves then). */
  candidate: Candidate | undefined
  shadow: ShadowScorer | undefined
}

/**
 * This replica's side of the experiments: follows the store's unfinished experiment, holds its
 * candidate, and picks each request's arm. The store is read at start, at once on every
 * experiment announcement (from any replica or the worker) and after the channel reconnects, and
 * every `pollMs` as a safety net. Only while the active version is the experiment's control:
 * after any other activation the active version serves everyone, as arm `serving`.
 */
export class ExperimentRuntime {
  readonly #o: ExperimentRuntimeOptions
  #running: Running | undefined
  #timer: NodeJS.Timeout | undefined
  #syncing: Promise<void> | undefined
  #resync: Promise<void> | undefined
  #unsubscribe: (() => Promise<void>) | undefined
  #closed = false
  #shadowUntil = 0
  #storeDown = false
  readonly #shadows = new Map<number, ShadowScorer>()

  constructor (options: ExperimentRuntimeOptions) {
    this.#o = options
  }

  async start (): Promise<void> {
    // listening before the first read: a change announced meanwhile is read again, never lost
    this.#unsubscribe ??= await this.#o.channel.subscribe(this.#onMessage)
    await this.sync()
    this.#timer ??= setInterval(() => { this.sync().catch(() => {}) }, this.#o.pollMs)
    this.#timer.unref()
  }

  /**
   * Reads the store and follows it. A call during a read gets one more read after it (shared by
   * every call meanwhile): the read under way may have started before the change it was told of.
   */
  async sync (): Promise<void> {
    if (this.#closed) return
    if (this.#syncing === undefined) {
      this.#syncing = this.#sync().finally(() => { this.#syncing = undefined })
      await this.#syncing
      return
    }
    const again = async (): Promise<void> => {
      this.#resync = undefined
      await this.sync()
    }
    this.#resync ??= this.#syncing.then(again, again)
    await this.#resync
  }

  readonly #onMessage = (message: ChannelMessage): void => {
    // a version activation needs nothing here: choose() compares the active version with the control
    if (this.#closed || message.kind === 'version') return
    this.sync().catch(() => {})
  }

  get experiment (): Experiment | undefined {
    return this.#running?.experiment
  }

  /** The versions the online metrics may label now. */
  liveVersions (): number[] {
    const versions = [this.#o.serving.active()]
    const experiment = this.#running?.experiment
    if (experiment !== undefined) versions.push(experiment.control, experiment.candidate)
    return versions
  }

  catalogueSize (version: number): number | undefined {
    const candidate = this.#running?.candidate
    return candidate?.version === version ? candidate.catalogueSize : undefined
  }

  /** Whether shadow lists may still be attributed to. */
  shadows (): boolean {
    return this.#running?.experiment.mode === 'shadow' || Date.now() < this.#shadowUntil
  }

  shadowFigures (experimentId: number): ShadowFigures | undefined {
    return this.#shadows.get(experimentId)?.figures()
  }

  choose (key: string | undefined): ArmChoice | undefined {
    const running = this.#running
    if (running === undefined || key === undefined) return undefined
    const { experiment, candidate, shadow } = running
    if (experiment.state !== 'running' || this.#o.serving.active() !== experiment.control) return undefined
    const control = this.#o.control
    const chosen = inCandidate(experiment.salt, key, experiment.percent)
    if (experiment.mode === 'split') {
      return chosen && candidate !== undefined
        ? { recommender: candidate.recommender, arm: 'candidate', experimentId: experiment.id }
        : { recommender: control, arm: 'control', experimentId: experiment.id }
    }
    // shadow: the control arm is exactly the requests the candidate scores, so the two compare
    if (!chosen || shadow === undefined || !shadow.reserve()) return undefined
    return {
      recommender: control,
      arm: 'control',
      experimentId: experiment.id,
      after: (request, served, recorded) => shadow.score(request, served, recorded),
      abandon: () => shadow.abandon()
    }
  }

  async close (): Promise<void> {
    this.#closed = true
    clearInterval(this.#timer)
    this.#timer = undefined
    const unsubscribe = this.#unsubscribe
    this.#unsubscribe = undefined
    await unsubscribe?.()
    await this.#resync
    await this.#syncing
    this.#drop()
  }

  async #sync (): Promise<void> {
    const { store, serving, tasks, recorder, log, onShadowScored } = this.#o
    let current: Experiment | null
    try {
      current = await store.current()
      this.#storeDown = false
    } catch (err) {
      // once per outage, not once per poll
      if (!this.#storeDown) log.warn({ err: (err as Error).message }, 'experiment store unavailable: keeping the experiment as it was')
      this.#storeDown = true
      return
    }
    const held = this.#running
    if (held !== undefined && current?.id === held.experiment.id) {
      held.experiment = current
      return
    }
    this.#drop()
    if (current === null || current.state !== 'running') return
    const running: Running = { experiment: current, candidate: undefined, shadow: undefined }
    this.#running = running
    try {
      running.candidate = await Candidate.load(current.candidate, serving)
    } catch (err) {
      log.warn({ experiment: current.id, candidate: current.candidate, reason: (err as Error).message }, 'experiment candidate could not be loaded: the control serves every arm here')
      return
    }
    if (this.#running !== running) {
      running.candidate.release()
      return
    }
    if (current.mode === 'shadow') {
      running.shadow = new ShadowScorer({ experimentId: current.id, candidate: running.candidate.recommender, tasks, recorder, onScored: onShadowScored })
      this.#shadows.set(current.id, running.shadow)
    }
    log.info({ experiment: current.id, control: current.control, candidate: current.candidate, percent: current.percent, mode: current.mode }, 'experiment running on this replica')
  }

  #drop (): void {
    const held = this.#running
    if (held === undefined) return
    this.#running = undefined
    if (held.experiment.mode === 'shadow') this.#shadowUntil = Date.now() + this.#o.windowMs
    held.candidate?.release()
    this.#o.log.info({ experiment: held.experiment.id }, 'experiment no longer running on this replica')
  }
}
