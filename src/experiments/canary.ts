import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Stores } from '../stores/create-stores.js'
import type { ExperimentStore } from '../stores/experiment-store.js'
import type { ImpressionLog } from '../stores/impression-log.js'
import type { VersionChannel } from '../stores/version-channel.js'
import { publishFiles, studentFiles, type VersionSources } from '../versions/version-files.js'
import type { Canary, CanaryVerdict } from '../versions/canary.js'
import { announceExperiment } from './announce-experiment.js'
import { twoProportionTest } from './two-proportion.js'

export interface CanaryOptions {
  store: ExperimentStore
  impressions: Pick<ImpressionLog, 'stats'>
  /** Where each change of the canary's experiment is announced, so every replica follows it at once. */
  channel: Pick<VersionChannel, 'announceExperiment'>
  /** Where the candidate is published first, so every replica can load it. */
  sources: VersionSources
  /** CANARY_PERCENT: the candidate's share of users. */
  percent: number
  /** CANARY_MIN_IMPRESSIONS: each arm's impressions before the canary decides. */
  minImpressions: number
  /** How long the canary may wait for them; then it keeps the active version. */
  timeoutMs: number
  /** How often the arms' figures are read. */
  pollMs: number
  // Date.now is passed in for testability
  now?: () => number
}

const nothing = async (): Promise<void> => {}

/**
 * The worker's canary: a split experiment between the active student and the gated candidate,
 * run until each arm has minImpressions (or timeoutMs passes, or the run is cancelled); the
 * candidate is activated only when the two-proportion test on the hit rate is significant and the
 * difference is not negative. Otherwise the experiment is stopped and the active version kept
 * (the job runner marks the candidate rejected). Each change of the experiment is announced.
 */
export function createCanary (o: CanaryOptions): Canary {
  const now = o.now ?? Date.now
  const iso = (): string => new Date(now()).toISOString()
  return async (candidate: number, control: number | null, signal: AbortSignal, log: Logger): Promise<CanaryVerdict> => {
    if (control === null) return { activate: true, reason: 'no active student to compare with', settle: nothing }
    if (o.sources.store !== undefined) {
      const { files } = await studentFiles(candidate, o.sources)
      await publishFiles(o.sources.store, files, candidate)
    }
    const created = await o.store.create({ control, candidate, percent: o.percent, mode: 'split', salt: randomBytes(8).toString('hex'), createdAt: iso() })
    const refuse = async (reason: string): Promise<CanaryVerdict> => ({ activate: false, reason, settle: nothing })
    if ('running' in created) return await refuse(`experiment ${created.running} is running: no canary could start`)
    const id = created.created.id
    const changed = async (): Promise<void> => await announceExperiment(o.channel, id, log)
    await changed()
    log.info({ experiment: id, control, candidate, percent: o.percent, minImpressions: o.minImpressions }, 'canary started')
    const stop = async (reason: string): Promise<CanaryVerdict> => {
      if (await o.store.transition(id, 'running', 'stopped', { endedAt: iso(), reason }) !== null) await changed()
      return await refuse(`${reason} (experiment ${id})`)
    }
    const deadline = now() + o.timeoutMs
    for (;;) {
      const [a, b] = await Promise.all([o.impressions.stats(`x${id}:control`), o.impressions.stats(`x${id}:candidate`)])
      if (a.impressions >= o.minImpressions && b.impressions >= o.minImpressions) {
        const test = twoProportionTest({ hits: a.listsWithEvent, n: a.impressions }, { hits: b.listsWithEvent, n: b.impressions }, { minImpressions: o.minImpressions })
        const figures = `hit rate ${test.candidate.toFixed(4)} against ${test.control.toFixed(4)}, p ${test.pValue.toPrecision(3)}`
        if (!(test.significant && test.difference >= 0)) return await stop(`not significantly better: ${figures}`)
        if (await o.store.transition(id, 'running', 'promoting') === null) return await refuse(`experiment ${id} was ended by an operator`)
        await changed()
        return {
          activate: true,
          reason: figures,
          settle: async (activated) => {
            if (await o.store.transition(id, 'promoting', activated ? 'promoted' : 'stopped', { endedAt: iso(), reason: activated ? figures : 'the activation failed' }) !== null) await changed()
          }
        }
      }
      if ((await o.store.get(id))?.state !== 'running') return await refuse(`experiment ${id} was ended by an operator`)
      if (signal.aborted) {
        if (await o.store.transition(id, 'running', 'stopped', { endedAt: iso(), reason: 'the run was cancelled' }) !== null) await changed()
        throw signal.reason
      }
      if (now() >= deadline) return await stop(`fewer than ${o.minImpressions} impressions per arm within ${Math.round(o.timeoutMs / 1000)} s`)
      await new Promise((resolve) => setTimeout(resolve, o.pollMs))
    }
  }
}

/** How often a canary reads its arms' figures. */
const CANARY_POLL_MS = 5000

/** CANARY_PERCENT > 0: the worker's canary over the shared experiment and impression stores; else none. */
export function canaryFor (config: Readonly<Config>, stores: Pick<Stores, 'experiments' | 'impressions' | 'models' | 'channel'>): Canary | undefined {
  if (config.canaryPercent === 0) return undefined
  return createCanary({
    store: stores.experiments,
    impressions: stores.impressions,
    channel: stores.channel,
    sources: { modelsDir: config.modelsDir, store: stores.models },
    percent: config.canaryPercent,
    minImpressions: config.canaryMinImpressions,
    timeoutMs: config.canaryTimeoutMs,
    pollMs: CANARY_POLL_MS
  })
}
