import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { ConfigError, loadConfig } from '../src/config.js'
import { importEdges, reach } from './helpers/import-graph.js'

describe('config', () => {
  it('runs with no configuration at all', () => {
    const config = loadConfig({})
    assert.equal(config.port, 3000)
    assert.equal(config.redisUrl, undefined)
    assert.equal(config.dataPath, undefined)
    assert.equal(config.maxK, 100)
    assert.ok(Object.isFrozen(config))
  })

  it('reads every documented variable', () => {
    const config = loadConfig({ PORT: '8080', HOST: '0.0.0.0', REDIS_URL: 'redis://cache:6379', MAX_K: '50', LOG_LEVEL: 'warn', TFJS_BACKEND: 'cpu', EVENT_LOG: 'redis' })
    assert.deepEqual([config.port, config.host, config.redisUrl, config.maxK, config.logLevel, config.tfjsBackend, config.eventLog],
      [8080, '0.0.0.0', 'redis://cache:6379', 50, 'warn', 'cpu', 'redis'])
  })

  it('expires histories after 90 days without activity by default; HISTORY_TTL takes a duration or off', () => {
    assert.equal(loadConfig({}).historyTtlMs, 90 * 86_400_000)
    assert.equal(loadConfig({ HISTORY_TTL: '30d' }).historyTtlMs, 30 * 86_400_000)
    assert.equal(loadConfig({ HISTORY_TTL: '12h' }).historyTtlMs, 12 * 3_600_000)
    assert.equal(loadConfig({ HISTORY_TTL: 'off' }).historyTtlMs, null)
  })

  it('trains on the whole event log by default; TRAINING_WINDOW takes a duration or a number of events', () => {
    assert.deepEqual(loadConfig({}).trainingWindow, { kind: 'all' })
    assert.deepEqual(loadConfig({ TRAINING_WINDOW: '30d' }).trainingWindow, { kind: 'duration', ms: 30 * 86_400_000 })
    assert.deepEqual(loadConfig({ TRAINING_WINDOW: '5000000' }).trainingWindow, { kind: 'events', count: 5_000_000 })
  })

  it('reads the load-shedding thresholds, 0 turning a check off', () => {
    const defaults = loadConfig({})
    assert.deepEqual([defaults.shedEventLoopDelayMs, defaults.shedEventLoopUtilization, defaults.shedHeapUsedRatio, defaults.shedSampleIntervalMs, defaults.shedRetryAfterSeconds],
      [500, 0, 0.9, 250, 2])
    const set = loadConfig({ SHED_EVENT_LOOP_DELAY_MS: '0', SHED_EVENT_LOOP_UTILIZATION: '0.95', SHED_HEAP_USED_RATIO: '0', SHED_SAMPLE_INTERVAL_MS: '250', SHED_RETRY_AFTER_S: '5' })
    assert.deepEqual([set.shedEventLoopDelayMs, set.shedEventLoopUtilization, set.shedHeapUsedRatio, set.shedSampleIntervalMs, set.shedRetryAfterSeconds],
      [0, 0.95, 0, 250, 5])
  })

  it('keeps 5 ready versions besides the active one by default; KEEP_VERSIONS sets it', () => {
    assert.equal(loadConfig({}).keepVersions, 5)
    assert.equal(loadConfig({ KEEP_VERSIONS: '2' }).keepVersions, 2)
  })

  it('reads one Redis topology: a URL, sentinels or cluster nodes', () => {
    assert.equal(loadConfig({}).redis, undefined)
    assert.deepEqual(loadConfig({ REDIS_URL: 'redis://cache:6379' }).redis, { mode: 'standalone', url: 'redis://cache:6379' })
    assert.deepEqual(loadConfig({ REDIS_SENTINELS: 's1:26379, s2:26380', REDIS_SENTINEL_NAME: 'primary', REDIS_PASSWORD: 'pw', REDIS_SENTINEL_PASSWORD: 'spw', REDIS_TLS: 'on' }).redis,
      { mode: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }], name: 'primary', password: 'pw', sentinelPassword: 'spw', tls: true })
    assert.deepEqual(loadConfig({ REDIS_SENTINELS: '[::1]:26379' }).redis,
      { mode: 'sentinel', sentinels: [{ host: '::1', port: 26379 }], name: 'mymaster', tls: false })
    assert.deepEqual(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7001', EVENT_LOG: 'redis' }).redis,
      { mode: 'cluster', nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }], tls: false })
  })

  it('refuses a bad or ambiguous Redis topology with a message naming the variable', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ REDIS_SENTINELS: 's1' }, /REDIS_SENTINELS must be a comma-separated list of host:port/],
      [{ REDIS_CLUSTER_NODES: 'a:7000,b:0' }, /REDIS_CLUSTER_NODES must be/],
      [{ REDIS_CLUSTER_NODES: 'a:99999' }, /REDIS_CLUSTER_NODES must be/],
      [{ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'a:7000' }, /set one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES/],
      [{ REDIS_SENTINEL_NAME: 'x' }, /need REDIS_SENTINELS/],
      [{ REDIS_URL: 'redis://a:6379', REDIS_PASSWORD: 'pw' }, /put the password and TLS in the URL/],
      [{ REDIS_SENTINELS: 's:1', REDIS_TLS: 'yes' }, /REDIS_TLS must be one of on, off/],
      [{ REDIS_CLUSTER_NODES: 'a:7000', REDIS_PREFIX: '{app}:' }, /REDIS_PREFIX must not contain \{ or \}/],
      [{ REDIS_URL: 'redis://a:6379', EVENT_MIN_REPLICAS: '1' }, /EVENT_MIN_REPLICAS needs EVENT_LOG=redis/],
      [{ EVENT_LOG: 'redis' }, /EVENT_LOG=redis needs REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES/]
    ]
    for (const [env, message] of bad) assert.throws(() => loadConfig(env), (err: Error) => err instanceof ConfigError && message.test(err.message), JSON.stringify(env))
  })

  it('acknowledges an event once the primary has it by default; EVENT_MIN_REPLICAS and EVENT_ACK_TIMEOUT_MS wait for replicas', () => {
    assert.deepEqual([loadConfig({}).eventMinReplicas, loadConfig({}).eventAckTimeoutMs], [0, 250])
    const set = loadConfig({ REDIS_SENTINELS: 's:26379', EVENT_LOG: 'redis', EVENT_MIN_REPLICAS: '1', EVENT_ACK_TIMEOUT_MS: '400' })
    assert.deepEqual([set.eventMinReplicas, set.eventAckTimeoutMs], [1, 400])
    assert.throws(() => loadConfig({ EVENT_ACK_TIMEOUT_MS: '500' }), /EVENT_ACK_TIMEOUT_MS must be an integer from 1 to 400/)
  })

  it('loads no TF.js: reading config is cheap and works in any process', () => {
    // every import counts here, type-only ones too
    const reached = reach(importEdges(fileURLToPath(new URL('../src/', import.meta.url))), 'config.ts', { typeImports: true })
    assert.ok([...reached].filter((s) => s.endsWith('.ts')).length >= 2, 'the walk reached the modules config imports')
    assert.deepEqual([...reached].filter((s) => s.startsWith('@tensorflow/')), [])
  })

  const invalid: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /^PORT must be an integer from 0 to 65535, got "eighty"$/],
    [{ PORT: '70000' }, /^PORT must be an integer/],
    [{ MAX_K: '0' }, /^MAX_K must be an integer from 1 to 1000/],
    [{ MAX_K: '5', DEFAULT_K: '10' }, /DEFAULT_K \(10\) must not exceed MAX_K \(5\)/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"$/],
    [{ TFJS_BACKEND: 'gpu' }, /^TFJS_BACKEND must be one of tensorflow, wasm, cpu/],
    [{ REDIS_URL: 'localhost:6379' }, /^REDIS_URL must use redis:\/\/ or rediss:\/\//],
    [{ REDIS_URL: 'not a url' }, /^REDIS_URL must be a URL/],
    [{ EVENT_LOG: 'redis' }, /EVENT_LOG=redis needs REDIS_URL/],
    [{ ADMIN_TOKEN: 'short' }, /ADMIN_TOKEN must be at least 16 characters/],
    [{ HEADERS_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '1000' }, /HEADERS_TIMEOUT_MS/],
    [{ CACHE_MAX_ENTRIES: '0' }, /^CACHE_MAX_ENTRIES must be an integer from 1 to/],
    [{ SCORE_BATCH_MAX: '0' }, /^SCORE_BATCH_MAX must be an integer from 1 to 1024/],
    [{ SCORE_BATCH_WAIT_MS: '-1' }, /^SCORE_BATCH_WAIT_MS must be an integer from 0 to 100/],
    [{ USER_VECTOR_CACHE_ENTRIES: '0' }, /^USER_VECTOR_CACHE_ENTRIES must be an integer from 1/],
    [{ DATA_PATH: 'none' }, /DATA_PATH=none needs REDIS_URL/],
    [{ HISTORY_TTL: '90' }, /^HISTORY_TTL must be off or a duration like 90s, 15m, 1h or 2d, got "90"$/],
    [{ HISTORY_TTL: '0d' }, /^HISTORY_TTL must be off or a duration/],
    [{ HISTORY_TTL: '-1d' }, /^HISTORY_TTL must be off or a duration/],
    [{ HISTORY_TTL: '1w' }, /^HISTORY_TTL must be off or a duration/],
    [{ SHED_EVENT_LOOP_DELAY_MS: '-1' }, /^SHED_EVENT_LOOP_DELAY_MS must be an integer from 0 to 60000, got "-1"$/],
    [{ SHED_EVENT_LOOP_DELAY_MS: '0.5' }, /^SHED_EVENT_LOOP_DELAY_MS must be an integer/],
    [{ SHED_EVENT_LOOP_UTILIZATION: '1.5' }, /^SHED_EVENT_LOOP_UTILIZATION must be a number from 0 to 1, got "1.5"$/],
    [{ SHED_EVENT_LOOP_UTILIZATION: 'high' }, /^SHED_EVENT_LOOP_UTILIZATION must be a number from 0 to 1/],
    [{ SHED_HEAP_USED_RATIO: '90%' }, /^SHED_HEAP_USED_RATIO must be a number from 0 to 1, got "90%"$/],
    [{ SHED_HEAP_USED_RATIO: '-0.1' }, /^SHED_HEAP_USED_RATIO must be a number from 0 to 1/],
    [{ SHED_SAMPLE_INTERVAL_MS: '5' }, /^SHED_SAMPLE_INTERVAL_MS must be an integer from 10 to 60000, got "5"$/],
    [{ SHED_RETRY_AFTER_S: '0' }, /^SHED_RETRY_AFTER_S must be an integer from 1 to 3600, got "0"$/],
    [{ KEEP_VERSIONS: '0' }, /^KEEP_VERSIONS must be an integer from 1 to 10000, got "0"$/],
    [{ KEEP_VERSIONS: 'all' }, /^KEEP_VERSIONS must be an integer from 1 to 10000/],
    [{ TRAINING_WINDOW: '0' }, /^TRAINING_WINDOW must be all, a duration like 30d or 12h, or a number of events like 5000000, got "0"$/],
    [{ TRAINING_WINDOW: '0d' }, /^TRAINING_WINDOW must be all, a duration/],
    [{ TRAINING_WINDOW: '1w' }, /^TRAINING_WINDOW must be all, a duration/],
    [{ TRAINING_WINDOW: 'off' }, /^TRAINING_WINDOW must be all, a duration/]
  ]
  for (const [env, message] of invalid) {
    it(`refuses ${JSON.stringify(env)} naming the variable and what is allowed`, () => {
      assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && message.test(err.message))
    })
  }
})
