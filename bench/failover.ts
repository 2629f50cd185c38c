/**
 * npm run bench:failover: what clients see when Redis loses its primary under load. Two scenarios,
 * each on real servers on 127.0.0.1 (ports 7200-7215, never the shared 6379): a Sentinel set
 * (primary, two replicas, three sentinels) whose primary is SIGKILLed, and a Redis Cluster (three
 * primaries, three replicas) whose primary owning the event stream is SIGKILLed (and started again
 * once its replica took over, so that EVENT_MIN_REPLICAS=1 can be met again). One API process
 * (EVENT_LOG=redis, EVENT_MIN_REPLICAS=1) takes 50 connections: 45 on GET /recommend (autocannon)
 * and 5 posting events with fresh eventIds, each 503 retried with the same id. Prints, per
 * scenario: requests answered and failed, p50/p99 over the whole window (the failover included),
 * events acknowledged, refused on the way and lost (acknowledged but missing from the stream
 * afterwards), and seconds from the kill until /health/ready said `ready` again.
 */
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import type { RedisTopology } from '../src/config.js'
import { closeRedis, waitForRedis } from '../src/stores/redis-client.js'
import { createRedisConnection } from '../src/stores/redis-connection.js'
import { eventKey } from '../src/stores/event-id.js'
import { keysFor } from '../src/stores/redis-keys.js'
import { type RedisDeployment, startRedisCluster, startRedisSentinels } from '../test/helpers/redis-topology.js'
import { logTail, withResources, type BenchResources } from './bench-processes.js'
import { loadWindow, type Window } from './swap-load.js'
import { startApi } from './swap-services.js'

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', description: 'sentinel or cluster (default: both)' },
    'api-env': { type: 'string', multiple: true, description: 'NAME=value for the API process (e.g. SHED_EVENT_LOOP_DELAY_MS=0)' }
  }
})
const PREFIX = 'failoverbench:'
const RECOMMEND_CONNECTIONS = 45
const EVENT_CONNECTIONS = 5
const BEFORE_KILL_MS = 5000
const AFTER_READY_MS = 5000
const READY_TIMEOUT_MS = 60_000

interface Scenario {
  key: string
  name: string
  start: () => Promise<RedisDeployment>
  /** Kills the primary; resolves once the deployment has a new one (and is whole again). */
  fail: (deployment: RedisDeployment, stream: string) => Promise<void>
}

interface Figures {
  window: Window
  eventsAcked: number
  eventsRefused: number
  eventsLost: number
  eventsUnacked: number
  readyAgainS: number
  readiness: string[]
}

const scenarios: Scenario[] = [{
  key: 'sentinel',
  name: 'Sentinel: SIGKILL of the primary (2 replicas, 3 sentinels, down-after 1 s)',
  start: async () => await startRedisSentinels({ basePort: 7200, replicas: 2, downAfterMs: 1000 }),
  fail: async (deployment) => {
    const old = await deployment.primaryPort()
    await deployment.kill(old)
    await until(async () => await deployment.primaryPort() !== old, READY_TIMEOUT_MS)
  }
}, {
  key: 'cluster',
  name: 'Cluster: SIGKILL of the primary owning {events} (3+3, node timeout 2 s), restarted as a replica',
  start: async () => await startRedisCluster({ basePort: 7210, nodeTimeoutMs: 2000 }),
  fail: async (deployment, stream) => {
    const old = await deployment.primaryPort(stream)
    await deployment.kill(old)
    await until(async () => await deployment.primaryPort(stream) !== old, READY_TIMEOUT_MS)
    await deployment.restart(old)
  }
}]

function envFor (topology: RedisTopology): Record<string, string> {
  const list = (endpoints: ReadonlyArray<{ host: string, port: number }>): string => endpoints.map(({ host, port }) => `${host}:${port}`).join(',')
  if (topology.mode === 'sentinel') return { REDIS_SENTINELS: list(topology.sentinels), REDIS_SENTINEL_NAME: topology.name }
  if (topology.mode === 'cluster') return { REDIS_CLUSTER_NODES: list(topology.nodes) }
  return { REDIS_URL: topology.url }
}

async function until (check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`)
    await sleep(100)
  }
}

async function runScenario (resources: BenchResources, scenario: Scenario): Promise<Figures> {
  const deployment = await scenario.start()
  resources.onClose(async () => await deployment.stop())
  const dir = await resources.tempDir('failover')
  const api = await startApi(resources, dir, 'api', {
    ...envFor(deployment.topology),
    REDIS_PREFIX: PREFIX,
    EVENT_LOG: 'redis',
    EVENT_MIN_REPLICAS: '1',
    LOG_LEVEL: 'warn',
    MODELS_DIR: join(dir, 'models'),
    ...Object.fromEntries((args['api-env'] ?? []).map((pair) => pair.split(/=(.*)/s).slice(0, 2)))
  }).catch(async (err: unknown) => {
    process.stderr.write(await logTail(join(dir, 'api.log')) + '\n')
    throw err
  })
  const admin = createRedisConnection(deployment.topology)
  resources.onClose(async () => await closeRedis(admin))
  if (!(await waitForRedis(admin, 10_000))) throw new Error('bench client: redis not ready')
  const stream = keysFor(admin, PREFIX).events

  const userIds = Array.from({ length: 1000 }, (_, u) => `bench-u${u}`)
  const recommend = loadWindow(api.origin, { connections: RECOMMEND_CONNECTIONS, userIds })
  const running = { on: true }
  const acked = new Set<string>()
  let refused = 0
  let next = 0
  const post = async (eventId: string, userId: string): Promise<boolean> => {
    try {
      const res = await fetch(`${api.origin}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ userId, itemId: `i${next % 50}`, eventId }]) })
      await res.arrayBuffer()
      if (res.status === 202) acked.add(eventId)
      else refused++
      return res.status === 202
    } catch {
      refused++
      return false
    }
  }
  const unacked: string[] = []
  const posters = Array.from({ length: EVENT_CONNECTIONS }, async () => {
    while (running.on) {
      const k = next++
      const eventId = `bench-e${k}`
      // a refused event is retried with its id (safe: the log takes each id once) until accepted
      while (!(await post(eventId, userIds[k % userIds.length]))) {
        if (!running.on) { unacked.push(eventId); break }
        await sleep(100)
      }
    }
  })
  const readiness: string[] = []
  const readinessLoop = (async () => {
    while (running.on) {
      try {
        const { status } = await (await fetch(`${api.origin}/health/ready`)).json() as { status: string }
        if (readiness.at(-1) !== status) readiness.push(status)
      } catch {
        if (readiness.at(-1) !== 'unreachable') readiness.push('unreachable')
      }
      await sleep(100)
    }
  })()

  await sleep(BEFORE_KILL_MS)
  const killedAt = performance.now()
  await scenario.fail(deployment, stream)
  const readyAgainS = await (async () => {
    // ready again = `ready` after a `degraded` seen since the kill (or ready throughout)
    const from = readiness.length
    const deadline = Date.now() + READY_TIMEOUT_MS
    while (Date.now() < deadline) {
      const since = readiness.slice(Math.max(0, from - 1))
      if (since.at(-1) === 'ready' && (since.includes('degraded') || since.length === 1)) return (performance.now() - killedAt) / 1000
      await sleep(50)
    }
    return NaN
  })()
  await sleep(AFTER_READY_MS)
  running.on = false
  recommend.stop()
  const window = await recommend.done
  // why answers failed, by error code, from the API's own counter of answers
  const codes = await fetch(`${api.origin}/metrics`).then(async (r) => await r.text()).catch(() => '')
  const overloaded = codes.split('\n').filter((line) => line.startsWith('distillrec_http_request_duration_seconds_count') && line.includes('status_code="503"'))
  if (overloaded.length > 0) process.stderr.write(`503s by route in /metrics:\n${overloaded.join('\n')}\n`)
  await Promise.all([...posters, readinessLoop])

  const entries = await admin.xrange(stream, '-', '+')
  const logged = new Set(entries.map(([, fields]) => fields[fields.indexOf('e') + 1]))
  const lost = [...acked].filter((eventId) => !logged.has(eventKey({ userId: '', itemId: '', eventId }) ?? ''))
  return { window, eventsAcked: acked.size, eventsRefused: refused, eventsLost: lost.length, eventsUnacked: unacked.length, readyAgainS, readiness }
}

function print (name: string, f: Figures): void {
  const w = f.window
  const failed = [...w.statuses].map(([status, n]) => `${n} x ${status}`).join(', ') || 'none'
  process.stdout.write([
    `\n${name}`,
    `  /recommend: ${w.total} answered in ${w.seconds.toFixed(1)} s (${w.reqs.toFixed(0)}/s), non-2xx ${w.non2xx} (${failed}), socket errors ${w.errors}`,
    `  latency over the window (failover included): p50 ${w.p50.toFixed(1)} ms, p99 ${w.p99.toFixed(1)} ms`,
    `  events: ${f.eventsAcked} acknowledged (202), ${f.eventsRefused} answers 503 on the way (retried), ${f.eventsLost} acknowledged and lost, ${f.eventsUnacked} still unacknowledged at the end`,
    `  ready again ${f.readyAgainS.toFixed(1)} s after the kill; readiness: ${f.readiness.join(' -> ')}`
  ].join('\n') + '\n')
}

await withResources(async (resources) => {
  process.stdout.write(`bench:failover: one API process, ${RECOMMEND_CONNECTIONS} + ${EVENT_CONNECTIONS} connections, EVENT_MIN_REPLICAS=1; popularity serving (no student), synthetic data\n`)
  for (const scenario of scenarios.filter((s) => args.scenario === undefined || s.key === args.scenario)) {
    print(scenario.name, await runScenario(resources, scenario))
  }
})
