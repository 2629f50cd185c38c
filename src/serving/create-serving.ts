import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { ItemInfo } from '../data/item-metadata.js'
import type { Metrics } from '../metrics/metrics.js'
import type { Stores } from '../stores/create-stores.js'
import { PopularityScorer } from '../models/popularity.js'
import type { VersionChannel } from '../stores/version-channel.js'
import { loadAnnouncedStudent, loadNewestStudent, type ItemCounts, type LoadStudentOptions } from './model-loader.js'
import { ModelManager } from './model-manager.js'
import { ModelRegistry } from './model-registry.js'
import { AnswerCache } from './answer-cache.js'
import { PopularServable } from './popular-servable.js'
import { RankedCache } from './ranked-cache.js'
import { Recommender } from './recommender.js'
import type { Servable } from './servable.js'
import type { UserHistory } from './user-history.js'
import { UserVectorCache } from './user-vector-cache.js'

export interface ServingOptions {
  config: Readonly<Config>
  stores: Stores
  /** The user's history as the model reads it (dataset history, then live events). */
  history: Pick<UserHistory, 'recent' | 'adopt'>
  counts: ItemCounts
  metadata: ReadonlyMap<string, ItemInfo>
  metrics: Metrics
  /** The TF.js backend, for the model-info metric. */
  backend: string
  log: Logger
}

export interface Serving {
  registry: ModelRegistry
  recommender: Recommender
  vectors: UserVectorCache
  manager: ModelManager
  /** Loads one announced version apart from the registry (an experiment's candidate); the caller disposes it. */
  load: (version: number) => Promise<Servable>
  /** A recommender over another registry (a candidate's), sharing this one's history, caches and metadata. */
  recommenderFor: (registry: ModelRegistry) => Recommender
  close: () => Promise<void>
}

/**
 * The serving core without HTTP: the registry holding the newest valid student (popularity until
 * there is one), the caches and the recommender. The worker process builds the same pieces.
 */
export async function createServing ({ config, stores, history, counts, metadata, metrics, backend, log }: ServingOptions): Promise<Serving> {
  const registryLog = log.child({ component: 'registry' })
  const loading: LoadStudentOptions = {
    modelsDir: config.modelsDir,
    store: stores.models,
    preferred: await activeVersion(stores.channel, registryLog),
    counts,
    history,
    annMinItems: config.annMinItems,
    precision: config.itemMatrixPrecision,
    batch: {
      maxBatch: config.scoreBatchMax,
      maxWaitMs: config.scoreBatchWaitMs,
      onBatch: (size, seconds) => {
        metrics.scoringBatchSize.observe(size)
        metrics.scoringDuration.observe(seconds)
      }
    },
    log: registryLog
  }
  const student = await loadNewestStudent(loading)
  const initial: Servable = student ?? new PopularServable([...counts.keys()], PopularityScorer.fromCounts([...counts.values()]))
  if (student === undefined) registryLog.info({ modelsDir: config.modelsDir }, 'no valid student version: serving popularity (version 0)')
  const showVersion = (servable: Servable): void => {
    metrics.modelInfo.reset()
    metrics.modelInfo.set({ version: String(servable.version), kind: servable.kind, backend }, 1)
    metrics.modelVersion.set(servable.version)
  }
  const registry = new ModelRegistry(initial)
  showVersion(initial)

  // replicas in step: every announced version is loaded, warmed and swapped in
  const manager = new ModelManager({
    registry,
    load: async (version) => await loadAnnouncedStudent(version, loading),
    log: registryLog,
    onSwap: (_from, _to, seconds) => {
      showVersion(registry.active)
      metrics.swaps.inc({ outcome: 'swapped' })
      metrics.swapDuration.observe(seconds)
    },
    onRefused: () => metrics.swaps.inc({ outcome: 'refused' })
  })
  const unsubscribe = await stores.channel.subscribe((message) => {
    if (message.kind === 'version') manager.announce(message.version).catch(() => {})
  })

  const ranked = new RankedCache({
    cache: stores.cache,
    ttlMs: config.cacheTtlMs,
    depth: config.maxK + config.maxHistory,
    onResult: (result) => metrics.cacheRequests.inc({ result }),
    onWriteError: () => metrics.storeErrors.inc({ store: 'cache', op: 'set' })
  })
  const answerHits = metrics.cacheRequests.tally({ result: 'hit' })
  const vectors = new UserVectorCache({ maxEntries: config.userVectorCacheEntries, ttlMs: config.cacheTtlMs })
  const recommenderFor = (held: ModelRegistry): Recommender => new Recommender({
    registry: held,
    history,
    ranked,
    vectors,
    metadata,
    maxHistory: config.maxHistory,
    answers: new AnswerCache({ maxEntries: config.cacheMaxEntries, ttlMs: config.cacheTtlMs }),
    // one look-up per request, as before: a cached student answer stands for its ranking-cache hit
    onAnswerHit: (source) => { if (source === 'student') answerHits.inc() },
    onVector: (result) => metrics.userVectors.inc({ result })
  })
  const recommender = recommenderFor(registry)
  return {
    registry,
    recommender,
    vectors,
    manager,
    load: async (version) => await loadAnnouncedStudent(version, loading),
    recommenderFor,
    close: async () => {
      await unsubscribe()
      await manager.idle()
      manager.discard()
      registry.close()
    }
  }
}

/** The version recorded as active for every replica, if any; Redis being away is not fatal here. */
async function activeVersion (channel: VersionChannel, log: Logger): Promise<number | undefined> {
  try {
    return (await channel.active()) ?? undefined
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'active version unknown (Redis unavailable): loading the newest valid one')
    return undefined
  }
}
