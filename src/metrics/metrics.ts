import * as tf from '@tensorflow/tfjs'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { RequestDurations } from './request-durations.js'
import { TalliedCounter } from './tallied-counter.js'

/** The service's named instruments, on a registry of their own (never prom-client's global one). */
export interface Metrics {
  registry: Registry
  httpDuration: RequestDurations
  recommendations: TalliedCounter<'source'>
  cacheRequests: TalliedCounter<'result'>
  storeErrors: Counter<'store' | 'op'>
  eventsIngested: Counter
  redisUp: Gauge
  modelInfo: Gauge<'version' | 'kind' | 'backend'>
  modelVersion: Gauge
  scoringDuration: Histogram
  scoringBatchSize: Histogram
  userVectors: Counter<'result'>
  tensors: Gauge
  swaps: Counter<'outcome'>
  swapDuration: Histogram
  redistillRuns: Counter<'outcome'>
  redistillDuration: Histogram
  redistillPhase: Gauge<'phase'>
  redistillLastSuccess: Gauge
  validationNdcg: Gauge<'model'>
  onlineImpressions: TalliedCounter<'version' | 'arm'>
  onlineListsWithEvent: Counter<'version' | 'arm'>
  onlineEventRank: Histogram<'version' | 'arm'>
  onlineCoverage: Gauge<'version' | 'arm'>
  shadowOverlap: Histogram
  shadowDuration: Histogram
}

export function createMetrics (): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  // prom-client names these gauges like counters, which promtool rejects; the rest of the defaults stay
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name)
  }
  const registers = [registry]
  return {
    registry,
    httpDuration: new RequestDurations({
      name: 'distillrec_http_request_duration_seconds',
      help: 'HTTP request duration by route, method and status code.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers
    }),
    recommendations: new TalliedCounter({
      name: 'distillrec_recommendations_total',
      help: 'Recommendation lists served, by the source that produced them.',
      labelNames: ['source'],
      registers
    }),
    cacheRequests: new TalliedCounter({
      name: 'distillrec_cache_requests_total',
      help: 'Recommendation cache look-ups by result: hit, miss or error.',
      labelNames: ['result'],
      registers
    }),
    storeErrors: new Counter({
      name: 'distillrec_store_errors_total',
      help: 'Failed store operations answered from the in-memory fallback instead.',
      labelNames: ['store', 'op'],
      registers
    }),
    eventsIngested: new Counter({
      name: 'distillrec_events_ingested_total',
      help: 'Interaction events durably logged.',
      registers
    }),
    redisUp: new Gauge({
      name: 'distillrec_redis_up',
      help: '1 while the Redis connection is ready, 0 while it is down or not configured.',
      registers
    }),
    modelInfo: new Gauge({
      name: 'distillrec_model_info',
      help: 'The model being served (value 1), with its version, kind and TF.js backend as labels.',
      labelNames: ['version', 'kind', 'backend'],
      registers
    }),
    modelVersion: new Gauge({
      name: 'distillrec_model_version',
      help: 'Version number of the model being served.',
      registers
    }),
    scoringDuration: new Histogram({
      name: 'distillrec_scoring_duration_seconds',
      help: 'Time to rank one micro-batch of cache misses against the item matrix.',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers
    }),
    scoringBatchSize: new Histogram({
      name: 'distillrec_scoring_batch_size',
      help: 'Requests ranked together in one micro-batch.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers
    }),
    tensors: new Gauge({
      name: 'distillrec_tfjs_tensors',
      help: 'TF.js tensors alive in this process; flat while serving (a rise is a leak).',
      registers,
      collect () { this.set(tf.memory().numTensors) }
    }),
    swaps: new Counter({
      name: 'distillrec_model_swaps_total',
      help: 'Announced versions acted on, by outcome: swapped, or refused (the active version kept serving).',
      labelNames: ['outcome'],
      registers
    }),
    swapDuration: new Histogram({
      name: 'distillrec_model_swap_duration_seconds',
      help: 'Time from an announcement to serving the new version: load, warm-up and switch.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers
    }),
    redistillRuns: new Counter({
      name: 'distillrec_redistill_runs_total',
      help: 'Re-distillation runs by outcome: activated, rejected (validation gate), failed or cancelled.',
      labelNames: ['outcome'],
      registers
    }),
    redistillDuration: new Histogram({
      name: 'distillrec_redistill_run_duration_seconds',
      help: 'Wall time of a re-distillation run, from its start to its outcome.',
      buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers
    }),
    redistillPhase: new Gauge({
      name: 'distillrec_redistill_phase',
      help: 'The phase of this worker\'s re-distillation run (1), idle between runs.',
      labelNames: ['phase'],
      registers
    }),
    redistillLastSuccess: new Gauge({
      name: 'distillrec_redistill_last_success_timestamp_seconds',
      help: 'Unix time of the last run whose student was activated (0 before the first).',
      registers
    }),
    validationNdcg: new Gauge({
      name: 'distillrec_validation_ndcg',
      help: 'Validation NDCG@10 of the last run\'s candidate and of the active student on the same users.',
      labelNames: ['model'],
      registers
    }),
    userVectors: new Counter({
      name: 'distillrec_user_vectors_total',
      help: 'User vectors needed on a ranking-cache miss, by result: hit (in-process cache) or computed.',
      labelNames: ['result'],
      registers
    }),
    onlineImpressions: new TalliedCounter({
      name: 'distillrec_online_impressions_total',
      help: 'Recommendation lists recorded as shown (shadow: scored, not shown), by version and arm; only versions serving or in an experiment.',
      labelNames: ['version', 'arm'],
      registers
    }),
    onlineListsWithEvent: new Counter({
      name: 'distillrec_online_lists_with_event_total',
      help: 'Lists with at least one attributed event, by version and arm: over impressions, the online hit rate.',
      labelNames: ['version', 'arm'],
      registers
    }),
    onlineEventRank: new Histogram({
      name: 'distillrec_online_attributed_rank',
      help: 'Rank of each attributed event in its list, by version and arm: bucket le=k over impressions is CTR@k.',
      labelNames: ['version', 'arm'],
      buckets: [1, 2, 3, 5, 10, 20, 50, 100],
      registers
    }),
    onlineCoverage: new Gauge({
      name: 'distillrec_online_catalogue_coverage',
      help: 'Share of the version\'s catalogue this replica has shown at least once since the version started serving, by version and arm.',
      labelNames: ['version', 'arm'],
      registers
    }),
    shadowOverlap: new Histogram({
      name: 'distillrec_shadow_overlap_at_10',
      help: 'Overlap@10 of a shadow arm\'s list with the served list (shared items over 10).',
      buckets: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
      registers
    }),
    shadowDuration: new Histogram({
      name: 'distillrec_shadow_duration_seconds',
      help: 'Time to score a shadow arm\'s list, off the response path.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers
    })
  }
}
