import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import type { RedisEndpoint, RedisTopology } from '../../src/config.js'

const run = promisify(execFile)
const HOST = '127.0.0.1'

/**
 * Real Redis deployments for tests, on 127.0.0.1 in a temp dir, without persistence: a Redis
 * Cluster (primaries with one replica each) and a Sentinel set (primary, replica, three
 * sentinels). Ports are the caller's (tests use 7100-7199, benches 7200-7299, one block per file
 * so files running side by side never meet); a cluster's bus takes port + 10000 too.
 * Every process is killed when this process exits, should a test forget `stop()`.
 */
export interface RedisDeployment {
  topology: RedisTopology
  /** The port of every data node (not sentinels), primaries first as started. */
  ports: number[]
  /** SIGKILLs the server on `port` and waits for it to exit. */
  kill: (port: number) => Promise<void>
  /** Starts a killed server again with its arguments (empty: no persistence; a cluster node keeps its nodes.conf and rejoins as a replica). */
  restart: (port: number) => Promise<void>
  /** The port of the node that currently is the primary (sentinel: the one Sentinel names; cluster: the one owning `key`'s slot, else any). */
  primaryPort: (key?: string) => Promise<number>
  /** Cluster only: moves `slots` slots from the primary on `fromPort` to the one on `toPort` (`redis-cli --cluster reshard`). */
  reshard: (slots: number, fromPort: number, toPort: number) => Promise<void>
  /** Stops every process and deletes the temp dir; idempotent. */
  stop: () => Promise<void>
}

/** Why topology tests skip (redis-server or redis-cli missing), or false; REQUIRE_REDIS=1 fails instead. */
export function topologySkipReason (): string | false {
  if (process.env.REQUIRE_REDIS === '1') return false
  for (const command of ['redis-server', 'redis-cli']) {
    const probe = spawnSync(command, ['--version'], { stdio: 'ignore' })
    if (probe.error !== undefined || probe.status !== 0) return `${command} is not on PATH; REQUIRE_REDIS=1 fails instead`
  }
  return false
}

class Processes {
  readonly #children = new Map<number, ChildProcess>()
  readonly #args = new Map<number, string[]>()
  readonly #killAll = (): void => { for (const child of this.#children.values()) child.kill('SIGKILL') }

  constructor () {
    process.once('exit', this.#killAll)
  }

  start (port: number, args: string[]): void {
    const child = spawn('redis-server', args, { stdio: 'ignore' })
    child.on('error', () => {})
    this.#children.set(port, child)
    this.#args.set(port, args)
  }

  async restart (port: number): Promise<void> {
    const args = this.#args.get(port)
    if (args === undefined || this.#children.has(port)) throw new Error(`redis topology: ${port} was not killed`)
    this.start(port, args)
    await until(`server ${port} answering again`, async () => await answers(port))
  }

  async kill (port: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#children.get(port)
    if (child === undefined) return
    this.#children.delete(port)
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill(signal)
    await exited
  }

  async stopAll (): Promise<void> {
    process.off('exit', this.#killAll)
    await Promise.all([...this.#children.keys()].map(async (port) => await this.kill(port, 'SIGKILL')))
  }
}

async function redisCli (port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', HOST, '-p', String(port), ...args], { timeout: 5000 })
  return stdout
}

async function until (what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`redis topology: ${what} not within ${timeoutMs} ms`)
    await sleep(100)
  }
}

const answers = async (port: number): Promise<boolean> => (await redisCli(port, 'ping')).trim() === 'PONG'

function serverArgs (dir: string, port: number): string[] {
  return ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir]
}

export interface ClusterOptions {
  /** The first of 2 x primaries consecutive ports. */
  basePort: number
  primaries?: number
  /** How long a primary is silent before its replica takes over (ms); small for fast failover tests. */
  nodeTimeoutMs?: number
}

/** A Redis Cluster of `primaries` primaries (default 3) with one replica each, slots spread evenly. */
export async function startRedisCluster ({ basePort, primaries = 3, nodeTimeoutMs = 2000 }: ClusterOptions): Promise<RedisDeployment> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-cluster-'))
  const processes = new Processes()
  const ports = Array.from({ length: 2 * primaries }, (_, k) => basePort + k)
  const stop = async (): Promise<void> => {
    await processes.stopAll()
    await rm(dir, { recursive: true, force: true })
  }
  try {
    for (const port of ports) {
      processes.start(port, [...serverArgs(dir, port), '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
        '--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-replica-validity-factor', '0'])
    }
    for (const port of ports) await until(`node ${port} answering`, async () => await answers(port))
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `${HOST}:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 })
    for (const port of ports) {
      await until(`cluster state ok on ${port}`, async () => {
        const info = await redisCli(port, 'cluster', 'info')
        return info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${ports.length}`)
      })
    }
    // a replica answers WAIT only once its first sync is done: tests that count acknowledgements
    // (EVENT_MIN_REPLICAS) must not start while a replica is still loading its primary's data
    for (const port of ports) {
      await until(`node ${port} a synced replica or a primary with its replica`, async () => {
        const info = await redisCli(port, 'info', 'replication')
        return info.includes('role:slave') ? info.includes('master_link_status:up') : /connected_slaves:[1-9]/.test(info)
      })
    }
  } catch (err) {
    await stop()
    throw err
  }
  const nodes: RedisEndpoint[] = ports.map((port) => ({ host: HOST, port }))
  return {
    topology: { mode: 'cluster', nodes, tls: false },
    ports,
    kill: async (port) => await processes.kill(port),
    restart: async (port) => await processes.restart(port),
    primaryPort: async (key) => {
      for (const port of ports) {
        const nodes = await redisCli(port, 'cluster', 'nodes').catch(() => '')
        if (nodes === '') continue
        const slot = key === undefined ? undefined : Number(await redisCli(port, 'cluster', 'keyslot', key))
        for (const line of nodes.trim().split('\n')) {
          const [, address, flags, , , , , state, ...ranges] = line.split(' ')
          if (!flags.includes('master') || flags.includes('fail') || state !== 'connected') continue
          const owns = slot === undefined || ranges.some((range) => {
            const [from, to = from] = range.split('-').map(Number)
            return slot >= from && slot <= to
          })
          if (owns) return Number(address.split('@')[0].split(':')[1])
        }
      }
      throw new Error('no primary answers')
    },
    reshard: async (slots, fromPort, toPort) => {
      const [from, to] = await Promise.all([fromPort, toPort].map(async (port) => (await redisCli(port, 'cluster', 'myid')).trim()))
      await run('redis-cli', ['--cluster', 'reshard', `${HOST}:${toPort}`, '--cluster-from', from, '--cluster-to', to,
        '--cluster-slots', String(slots), '--cluster-yes', '--cluster-pipeline', '10'], { timeout: 60_000 })
    },
    stop
  }
}

export interface SentinelOptions {
  /** Primary on basePort, replicas on the next ports, then the three sentinels. */
  basePort: number
  /** Replicas of the primary (default 1). */
  replicas?: number
  name?: string
  /** How long the primary is silent before the sentinels call it down (ms). */
  downAfterMs?: number
}

/** A primary and its replicas watched by three sentinels (quorum 2). */
export async function startRedisSentinels ({ basePort, replicas: replicaCount = 1, name = 'mymaster', downAfterMs = 1000 }: SentinelOptions): Promise<RedisDeployment> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-sentinel-'))
  const processes = new Processes()
  const primary = basePort
  const replicas = Array.from({ length: replicaCount }, (_, k) => basePort + 1 + k)
  const sentinelPorts = [0, 1, 2].map((k) => basePort + 1 + replicaCount + k)
  const stop = async (): Promise<void> => {
    await processes.stopAll()
    await rm(dir, { recursive: true, force: true })
  }
  try {
    processes.start(primary, serverArgs(dir, primary))
    for (const replica of replicas) processes.start(replica, [...serverArgs(dir, replica), '--replicaof', HOST, String(primary)])
    for (const port of [primary, ...replicas]) await until(`server ${port} answering`, async () => await answers(port))
    for (const replica of replicas) await until('replica in sync', async () => (await redisCli(replica, 'info', 'replication')).includes('master_link_status:up'))
    for (const port of sentinelPorts) {
      // a sentinel rewrites its config file: one each, in the temp dir
      const file = join(dir, `sentinel-${port}.conf`)
      await writeFile(file, [
        `port ${port}`, `bind ${HOST}`, `dir ${dir}`,
        `sentinel monitor ${name} ${HOST} ${primary} 2`,
        `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
        `sentinel failover-timeout ${name} 10000`,
        `sentinel parallel-syncs ${name} 1`
      ].join('\n') + '\n')
      processes.start(port, [file, '--sentinel'])
    }
    for (const port of sentinelPorts) {
      await until(`sentinel ${port} sees the replica and the other sentinels`, async () => {
        const sentinels = await redisCli(port, 'sentinel', 'sentinels', name)
        const known = await redisCli(port, 'sentinel', 'replicas', name)
        return replicas.every((replica) => known.includes(String(replica))) && sentinelPorts.filter((p) => p !== port).every((p) => sentinels.includes(String(p)))
      })
    }
  } catch (err) {
    await stop()
    throw err
  }
  return {
    topology: { mode: 'sentinel', sentinels: sentinelPorts.map((port) => ({ host: HOST, port })), name, tls: false },
    ports: [primary, ...replicas],
    kill: async (port) => await processes.kill(port),
    restart: async (port) => await processes.restart(port),
    primaryPort: async () => {
      const [, port] = (await redisCli(sentinelPorts[0], 'sentinel', 'get-master-addr-by-name', name)).trim().split('\n')
      return Number(port)
    },
    reshard: async () => { throw new Error('reshard: not a cluster') },
    stop
  }
}
