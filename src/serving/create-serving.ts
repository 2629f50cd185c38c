import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { ItemInfo } from '../data/item-metadata.js'
import type { Metrics } from '../metrics/metrics.js'
import type { Stores } from '../stores/create-stores.js'
import type { HistoryStore } from '../stores/history-store.js'
import { PopularityScorer } from '../models/popularity.js'
import { loadNewestStudent, type ItemCounts } from './model-loader.js'
import { ModelRegistry } from './model-registry.js'
import { PopularServable } from './popular-servable.js'
import { RankedCache } from './ranked-cache.js'
import { Recommender } from './recommender.js'
import type { Servable } from './servable.js'
import { UserVectorCache } from './user-vector-cache.js'

export interface ServingOptions {
  config: Readonly<Config>
  stores: Stores
  /** The user's history as the model reads it (dataset history, then live events). */
  history: Pick<HistoryStore, 'recent'>
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
  close: () => void
}

/**
 * The serving core without HTTP: the registry holding the newest valid student (popularity until
 * there is one), the caches and the recommender. The worker process builds the same pieces.
 */
export async function createServing ({ config, stores, history, counts, metadata, metrics, backend, log }: ServingOptions): Promise<Serving> {
  const registryLog = log.child({ component: 'registry' })
  const student = await loadNewestStudent({
    modelsDir: config.modelsDir,
    store: stores.models,
    counts,
    batch: {
      maxBatch: config.scoreBatchMax,
      maxWaitMs: config.scoreBatchWaitMs,
      onBatch: (size, seconds) => {
        metrics.scoringBatchSize.observe(size)
        metrics.scoringDuration.observe(seconds)
      }
    },
    log: registryLog
  })
  const initial: Servable = student ?? new PopularServable([...counts.keys()], PopularityScorer.fromCounts([...counts.values()]))
  if (student === undefined) registryLog.info({ modelsDir: config.modelsDir }, 'no valid student version: serving popularity (version 0)')
  const registry = new ModelRegistry(initial)
  metrics.modelInfo.set({ version: String(initial.version), kind: initial.kind, backend }, 1)
  metrics.modelVersion.set(initial.version)

  const ranked = new RankedCache({
    cache: stores.cache,
    ttlMs: config.cacheTtlMs,
    depth: config.maxK + config.maxHistory,
    onResult: (result) => metrics.cacheRequests.inc({ result }),
    onWriteError: () => metrics.storeErrors.inc({ store: 'cache', op: 'set' })
  })
  const vectors = new UserVectorCache({ maxEntries: config.userVectorCacheEntries, ttlMs: config.cacheTtlMs })
  const recommender = new Recommender({
    registry,
    history,
    ranked,
    vectors,
    metadata,
    maxHistory: config.maxHistory,
    onVector: (result) => metrics.userVectors.inc({ result })
  })
  return { registry, recommender, vectors, close: () => registry.close() }
}
