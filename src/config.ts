import { DATA_FORMATS, type DataFormat } from './data/interaction-reader.js'
import { BACKENDS, type BackendName } from './tf/backend-name.js'

/** Every setting of the service, read once from the environment and frozen. */
export interface Config {
  port: number
  host: string
  redisUrl: string | undefined
  /** Which Redis deployment to reach: REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES; undefined = none. */
  redis: RedisTopology | undefined
  redisPrefix: string
  /** An event is acknowledged once this many replicas have it (Redis WAIT); 0 = once the primary has it. */
  eventMinReplicas: number
  /** How long an event write waits for those replicas before answering 503 EVENTS_UNAVAILABLE. */
  eventAckTimeoutMs: number
  eventLog: 'file' | 'redis'
  modelsDir: string
  dataPath: string | undefined
  dataFormat: DataFormat
  syntheticSeed: number
  eventLogPath: string
  maxK: number
  defaultK: number
  maxHistory: number
  maxExclude: number
  historyCap: number
  /** A user's history is dropped this long after the user's last event; null = kept for ever. */
  historyTtlMs: number | null
  memoryHistoryUsers: number
  cacheTtlMs: number
  cacheMaxEntries: number
  userVectorCacheEntries: number
  scoreBatchMax: number
  scoreBatchWaitMs: number
  /** Catalogues of at least this many items are served by ANN retrieval with exact re-ranking. */
  annMinItems: number
  /** How a served item matrix is held: float32, float16, or int8 with a scale per row. */
  itemMatrixPrecision: 'float32' | 'float16' | 'int8'
  itemsPath: string | undefined
  adminToken: string | undefined
  /** Authenticated admin requests per minute, all addresses together (429 beyond). */
  adminRateLimit: number
  /** Failed admin authentications per client address per minute (429 beyond). */
  adminAuthFailureLimit: number
  /** embedded: `npm start` runs the re-distillation worker too; off: a separate `npm run worker` does. */
  worker: 'embedded' | 'off'
  /** Between scheduled runs; null = off (runs only when asked, or the first one). */
  redistillIntervalMs: number | null
  /** A run trains a new teacher first once the newest is this old; null = never by itself. */
  teacherRetrainIntervalMs: number | null
  /** TRAINING_WINDOW: the part of the event log a run trains on (see TrainingWindow). */
  trainingWindow: TrainingWindow
  /** TRAINING_POSITIONS_PER_USER: a run's student trains on each user's latest this many positions; null = every one. */
  trainingPositionsPerUser: number | null
  /** EVAL_MAX_USERS: the users a run's validation and test evaluate (a seeded sample above it); `auto` sizes it by the catalogue, `all` = every one. */
  evalMaxUsers: 'auto' | 'all' | number
  redistillEpochs: number
  teacherEpochs: number
  /** A candidate may fall this fraction below the active student's validation NDCG@10. */
  gateTolerance: number
  gateLatencyBudgetMs: number
  /**
   * WORKER_STUDENT: the family a re-distillation trains: `keep` (the active version's; pooling
   * before the first), `auto` (every family, chosen under the latency budget) or a family's name,
   * checked against the families by the worker (worker/worker-student.ts), which knows them.
   */
  workerStudent: string
  /** Ready student versions kept besides the active one (and rejected ones, and teachers); the worker removes older ones after each activation. */
  keepVersions: number
  /** Nice value of the training thread (Linux: per thread): 19 yields the cores to serving. */
  trainingNice: number
  /** `npm run worker` serves /metrics and /health on this port. */
  workerMetricsPort: number
  logLevel: LogLevel
  tfjsBackend: BackendName | undefined
  /** Load shedding: past this mean event-loop delay per sample, requests get 503 OVERLOADED; 0 = off. */
  shedEventLoopDelayMs: number
  /** ... or past this event-loop utilisation (busy share) over one sample; 0 = off. bench:knee chose the defaults. */
  shedEventLoopUtilization: number
  /** ... or past this fraction of V8's heap limit in use; 0 = off (all three 0: no shedding). */
  shedHeapUsedRatio: number
  shedSampleIntervalMs: number
  /** Retry-After of a shed request. */
  shedRetryAfterSeconds: number
  bodyLimitBytes: number
  requestTimeoutMs: number
  keepAliveTimeoutMs: number
  headersTimeoutMs: number
  shutdownTimeoutMs: number
  /** Share of /recommend answers whose impression is recorded (0..1); every answer has a recommendationId. */
  impressionSample: number
  /** An event without a recommendationId is attributed to the user's latest list within this window; impressions live this long. */
  attributionWindowMs: number
  /** Impressions kept in the log (the Redis stream's cap, or the memory log's size). */
  impressionLogCap: number
  /**
   * How often a replica reads the experiment store anyway: changes are announced on the version
   * channel and followed at once, so this only bounds how long a lost announcement goes unnoticed.
   */
  experimentPollMs: number
  /** An experiment's test says its sample is large enough only once each arm has this many impressions. */
  experimentMinImpressions: number
  /** The worker puts every gated candidate in a split with this share of users first; 0 = off (activate at once). */
  canaryPercent: number
  /** ... and decides once each arm has this many impressions: activate on a significant, non-negative result. */
  canaryMinImpressions: number
  /** ... or keeps the active version when they do not come within this. */
  canaryTimeoutMs: number
}

export interface RedisEndpoint { host: string, port: number }

/** standalone: one server by URL; sentinel: the primary Sentinel names; cluster: any nodes of a Redis Cluster. */
export type RedisTopology =
  | { mode: 'standalone', url: string }
  | { mode: 'sentinel', sentinels: RedisEndpoint[], name: string, password?: string, sentinelPassword?: string, tls: boolean }
  | { mode: 'cluster', nodes: RedisEndpoint[], password?: string, tls: boolean }

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
type LogLevel = typeof LOG_LEVELS[number]

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID'
}

type Env = Record<string, string | undefined>

/** Reads and validates the environment; throws a ConfigError naming the variable and what is allowed. */
export function loadConfig (env: Env = process.env): Readonly<Config> {
  const read = new EnvReader(env)
  const config: Config = {
    port: read.int('PORT', 3000, 0, 65535),
    host: read.string('HOST', '127.0.0.1'),
    redisUrl: read.url('REDIS_URL', ['redis:', 'rediss:']),
    redis: undefined,
    redisPrefix: read.string('REDIS_PREFIX', 'distillrec:'),
    eventMinReplicas: read.int('EVENT_MIN_REPLICAS', 0, 0, 100),
    // below the client's 500 ms command timeout, which would otherwise cut the WAIT short
    eventAckTimeoutMs: read.int('EVENT_ACK_TIMEOUT_MS', 250, 1, 400),
    eventLog: read.oneOf('EVENT_LOG', ['file', 'redis'] as const, 'file'),
    modelsDir: read.string('MODELS_DIR', './models'),
    dataPath: read.optional('DATA_PATH'),
    dataFormat: read.oneOf('DATA_FORMAT', DATA_FORMATS, 'auto'),
    syntheticSeed: read.int('SYNTHETIC_SEED', 42, 0, 2 ** 31 - 1),
    eventLogPath: read.string('EVENT_LOG_PATH', './.data/events.jsonl'),
    maxK: read.int('MAX_K', 100, 1, 1000),
    defaultK: read.int('DEFAULT_K', 10, 1, 1000),
    maxHistory: read.int('MAX_HISTORY', 200, 1, 10_000),
    maxExclude: read.int('MAX_EXCLUDE', 500, 0, 10_000),
    historyCap: read.int('HISTORY_CAP', 200, 1, 10_000),
    historyTtlMs: read.duration('HISTORY_TTL', '90d'),
    memoryHistoryUsers: read.int('MEMORY_HISTORY_USERS', 100_000, 1, 100_000_000),
    cacheTtlMs: read.int('CACHE_TTL_MS', 60_000, 0, 86_400_000),
    cacheMaxEntries: read.int('CACHE_MAX_ENTRIES', 10_000, 1, 10_000_000),
    userVectorCacheEntries: read.int('USER_VECTOR_CACHE_ENTRIES', 100_000, 1, 10_000_000),
    scoreBatchMax: read.int('SCORE_BATCH_MAX', 64, 1, 1024),
    scoreBatchWaitMs: read.int('SCORE_BATCH_WAIT_MS', 1, 0, 100),
    annMinItems: read.int('ANN_MIN_ITEMS', 20_000, 1, 1_000_000_000),
    itemMatrixPrecision: read.oneOf('ITEM_MATRIX_PRECISION', ['float32', 'float16', 'int8'] as const, 'float32'),
    itemsPath: read.optional('ITEMS_PATH'),
    adminToken: read.optional('ADMIN_TOKEN'),
    adminRateLimit: read.int('ADMIN_RATE_LIMIT', 60, 1, 100_000),
    adminAuthFailureLimit: read.int('ADMIN_AUTH_FAILURE_LIMIT', 10, 1, 100_000),
    worker: read.oneOf('WORKER', ['embedded', 'off'] as const, 'embedded'),
    redistillIntervalMs: read.duration('REDISTILL_INTERVAL', '1h'),
    teacherRetrainIntervalMs: read.duration('TEACHER_RETRAIN_INTERVAL', '24h'),
    trainingWindow: read.trainingWindow('TRAINING_WINDOW'),
    trainingPositionsPerUser: nullWhenAll(read.countOr('TRAINING_POSITIONS_PER_USER', 'all', ['all'])),
    evalMaxUsers: read.countOr('EVAL_MAX_USERS', 'auto', ['auto', 'all']),
    redistillEpochs: read.int('REDISTILL_EPOCHS', 10, 1, 1000),
    teacherEpochs: read.int('TEACHER_EPOCHS', 10, 1, 1000),
    gateTolerance: read.float('GATE_TOLERANCE', 0.02, 0, 1),
    gateLatencyBudgetMs: read.float('GATE_LATENCY_BUDGET_MS', 50, 0.001, 60_000),
    workerStudent: read.word('WORKER_STUDENT', 'keep'),
    keepVersions: read.int('KEEP_VERSIONS', 5, 1, 10_000),
    trainingNice: read.int('TRAINING_NICE', 19, 0, 19),
    workerMetricsPort: read.int('WORKER_METRICS_PORT', 9464, 0, 65535),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    tfjsBackend: read.oneOf('TFJS_BACKEND', BACKENDS, undefined),
    shedEventLoopDelayMs: read.int('SHED_EVENT_LOOP_DELAY_MS', 500, 0, 60_000),
    shedEventLoopUtilization: read.float('SHED_EVENT_LOOP_UTILIZATION', 0, 0, 1),
    shedHeapUsedRatio: read.float('SHED_HEAP_USED_RATIO', 0.9, 0, 1),
    shedSampleIntervalMs: read.int('SHED_SAMPLE_INTERVAL_MS', 250, 10, 60_000),
    shedRetryAfterSeconds: read.int('SHED_RETRY_AFTER_S', 2, 1, 3600),
    bodyLimitBytes: read.int('BODY_LIMIT_BYTES', 1_048_576, 1024, 104_857_600),
    requestTimeoutMs: read.int('REQUEST_TIMEOUT_MS', 30_000, 1, 600_000),
    keepAliveTimeoutMs: read.int('KEEP_ALIVE_TIMEOUT_MS', 72_000, 1, 600_000),
    headersTimeoutMs: read.int('HEADERS_TIMEOUT_MS', 10_000, 1, 600_000),
    shutdownTimeoutMs: read.int('SHUTDOWN_TIMEOUT_MS', 10_000, 1, 600_000),
    impressionSample: read.float('IMPRESSION_SAMPLE', 1, 0, 1),
    attributionWindowMs: read.duration('ATTRIBUTION_WINDOW', '30m') ?? 0,
    impressionLogCap: read.int('IMPRESSION_LOG_CAP', 100_000, 100, 100_000_000),
    experimentPollMs: read.int('EXPERIMENT_POLL_MS', 60_000, 50, 3_600_000),
    experimentMinImpressions: read.int('EXPERIMENT_MIN_IMPRESSIONS', 1000, 1, 100_000_000),
    canaryPercent: read.float('CANARY_PERCENT', 0, 0, 99),
    canaryMinImpressions: read.int('CANARY_MIN_IMPRESSIONS', 1000, 1, 100_000_000),
    canaryTimeoutMs: read.duration('CANARY_TIMEOUT', '24h') ?? 0
  }
  if (config.canaryTimeoutMs === 0) throw new ConfigError('CANARY_TIMEOUT must be a duration like 90s, 15m, 1h or 2d (it cannot be off)')
  if (config.attributionWindowMs === 0) throw new ConfigError('ATTRIBUTION_WINDOW must be a duration like 90s, 15m, 1h or 2d (it cannot be off)')
  config.redis = readRedisTopology(read, config.redisUrl)
  if (config.redis?.mode === 'cluster' && /[{}]/.test(config.redisPrefix)) {
    throw new ConfigError(`REDIS_PREFIX must not contain { or } with REDIS_CLUSTER_NODES: the keys' hash tags follow it, got "${config.redisPrefix}"`)
  }
  if (config.eventMinReplicas > 0 && config.eventLog !== 'redis') {
    throw new ConfigError('EVENT_MIN_REPLICAS needs EVENT_LOG=redis: it waits for Redis replicas of the event log')
  }
  if (config.defaultK > config.maxK) {
    throw new ConfigError(`DEFAULT_K (${config.defaultK}) must not exceed MAX_K (${config.maxK})`)
  }
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new ConfigError(`HEADERS_TIMEOUT_MS (${config.headersTimeoutMs}) must not exceed REQUEST_TIMEOUT_MS (${config.requestTimeoutMs})`)
  }
  if (config.dataPath === 'none' && config.redis === undefined) {
    throw new ConfigError('DATA_PATH=none needs REDIS_URL: histories and item counts then come from Redis (npm run import)')
  }
  if (config.eventLog === 'redis' && config.redis === undefined) {
    throw new ConfigError('EVENT_LOG=redis needs REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES')
  }
  if (config.adminToken !== undefined && config.adminToken.length < 16) {
    throw new ConfigError('ADMIN_TOKEN must be at least 16 characters when set')
  }
  return Object.freeze(config)
}

/** At most one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES; the passwords and TLS go with the last two. */
function readRedisTopology (read: EnvReader, url: string | undefined): RedisTopology | undefined {
  const sentinels = read.endpoints('REDIS_SENTINELS')
  const nodes = read.endpoints('REDIS_CLUSTER_NODES')
  const given = [url && 'REDIS_URL', sentinels && 'REDIS_SENTINELS', nodes && 'REDIS_CLUSTER_NODES'].filter(Boolean)
  if (given.length > 1) throw new ConfigError(`set one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES, got ${given.join(' and ')}`)
  const password = read.optional('REDIS_PASSWORD')
  const sentinelPassword = read.optional('REDIS_SENTINEL_PASSWORD')
  const tls = read.oneOf('REDIS_TLS', ['on', 'off'] as const, 'off') === 'on'
  const name = read.optional('REDIS_SENTINEL_NAME')
  if (sentinels === undefined && (sentinelPassword !== undefined || name !== undefined)) {
    throw new ConfigError('REDIS_SENTINEL_NAME and REDIS_SENTINEL_PASSWORD need REDIS_SENTINELS')
  }
  if (url !== undefined && (password !== undefined || tls)) {
    throw new ConfigError('with REDIS_URL, put the password and TLS in the URL (rediss://:password@host:6379), not REDIS_PASSWORD or REDIS_TLS')
  }
  const secrets = { ...(password === undefined ? {} : { password }), ...(sentinelPassword === undefined ? {} : { sentinelPassword }) }
  if (url !== undefined) return { mode: 'standalone', url }
  if (sentinels !== undefined) return { mode: 'sentinel', sentinels, name: name ?? 'mymaster', ...secrets, tls }
  if (nodes !== undefined) return { mode: 'cluster', nodes, ...(password === undefined ? {} : { password }), tls }
  return undefined
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * How much of the event log a re-distillation run reads: all of it, the events whose timestamp
 * (ms since the epoch, as ingest stamps them) is within `ms` of the run's start, or the latest
 * `count` events; so a run's cost stops growing with the log.
 */
export type TrainingWindow = { kind: 'all' } | { kind: 'duration', ms: number } | { kind: 'events', count: number }

class EnvReader {
  constructor (private readonly env: Env) {}

  optional (name: string): string | undefined {
    const value = this.env[name]?.trim()
    return value === undefined || value === '' ? undefined : value
  }

  string (name: string, fallback: string): string {
    return this.optional(name) ?? fallback
  }

  int (name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name)
    if (raw === undefined) return fallback
    const value = Number(raw)
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`)
    }
    return value
  }

  float (name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name)
    if (raw === undefined) return fallback
    const value = Number(raw)
    if (!/^\d+(\.\d+)?$/.test(raw) || value < min || value > max) {
      throw new ConfigError(`${name} must be a number from ${min} to ${max}, got "${raw}"`)
    }
    return value
  }

  /** `all` (the default), a duration (30d, 12h: events logged that recently) or a count of the latest events. */
  trainingWindow (name: string): TrainingWindow {
    const raw = this.optional(name) ?? 'all'
    if (raw === 'all') return { kind: 'all' }
    if (/^\d{1,12}$/.test(raw) && Number(raw) >= 1) return { kind: 'events', count: Number(raw) }
    const match = /^(\d{1,9})(s|m|h|d)$/.exec(raw)
    const ms = match === null ? NaN : Number(match[1]) * DURATION_UNITS[match[2]]
    if (ms >= 1000) return { kind: 'duration', ms }
    throw new ConfigError(`${name} must be all, a duration like 30d or 12h, or a number of events like 5000000, got "${raw}"`)
  }

  /** A positive whole number, or one of `words` (`fallback` when unset). */
  countOr<const W extends string> (name: string, fallback: W, words: readonly W[]): number | W {
    const raw = this.optional(name) ?? fallback
    const word = words.find((w) => w === raw)
    if (word !== undefined) return word
    if (/^\d{1,12}$/.test(raw) && Number(raw) >= 1) return Number(raw)
    throw new ConfigError(`${name} must be ${words.join(' or ')} or a positive whole number, got "${raw}"`)
  }

  /** `off`, or a whole number with a unit: 90s, 15m, 1h, 2d (at least a second). */
  duration (name: string, fallback: string): number | null {
    const raw = this.optional(name) ?? fallback
    if (raw === 'off') return null
    const match = /^(\d{1,9})(s|m|h|d)$/.exec(raw)
    const ms = match === null ? NaN : Number(match[1]) * DURATION_UNITS[match[2]]
    if (!(ms >= 1000)) throw new ConfigError(`${name} must be off or a duration like 90s, 15m, 1h or 2d, got "${raw}"`)
    return ms
  }

  /** A lowercase name (letters, digits, dashes), e.g. a choice a later layer checks against its list. */
  word (name: string, fallback: string): string {
    const raw = this.optional(name) ?? fallback
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(raw)) throw new ConfigError(`${name} must be a lowercase name like keep, auto or pooling, got "${raw}"`)
    return raw
  }

  oneOf<T extends string, F extends T | undefined> (name: string, allowed: readonly T[], fallback: F): T | F {
    const raw = this.optional(name)
    if (raw === undefined) return fallback
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`)
    }
    return raw as T
  }

  /** `host:port,host:port`; undefined when unset. */
  endpoints (name: string): RedisEndpoint[] | undefined {
    const raw = this.optional(name)
    if (raw === undefined) return undefined
    return raw.split(',').map((part) => {
      const match = /^([^\s:,]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(part.trim())
      const port = Number(match?.[2])
      if (match === null || port < 1 || port > 65535) {
        throw new ConfigError(`${name} must be a comma-separated list of host:port, got "${raw}"`)
      }
      return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port }
    })
  }

  url (name: string, protocols: readonly string[]): string | undefined {
    const raw = this.optional(name)
    if (raw === undefined) return undefined
    let protocol: string
    try {
      protocol = new URL(raw).protocol
    } catch {
      throw new ConfigError(`${name} must be a URL like redis://host:6379, got "${raw}"`)
    }
    if (!protocols.includes(protocol)) {
      throw new ConfigError(`${name} must use ${protocols.map(p => p + '//').join(' or ')}, got "${raw}"`)
    }
    return raw
  }
}

function nullWhenAll (value: number | 'all'): number | null {
  return value === 'all' ? null : value
}
