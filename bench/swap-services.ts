/**
 * The processes bench/swap.ts starts: API replicas (src/server.ts), the separate worker
 * (src/worker.ts) and a redis-server of its own on a free port (never the shared 6379). Every one
 * is stopped by `BenchResources.close()`, and SIGKILLed on any exit of the bench that skipped it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { freePort, type BenchResources } from './bench-processes.js'

export const ADMIN_TOKEN = 'swap-bench-admin-token'

export interface Started {
  origin: string
  child: ChildProcess
  log: string
}

const started = new Set<ChildProcess>()
let guarded = false

/** Last resort for an exit that skipped `close()` (an uncaught throw in a callback): no survivors. */
function guard (child: ChildProcess): void {
  started.add(child)
  child.once('exit', () => started.delete(child))
  if (guarded) return
  guarded = true
  process.once('exit', () => {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  })
}

/**
 * An API replica with the admin API on, logging to `dir`/`name`.log; no schedule (runs only when
 * the bench asks) and the events it would log kept in `dir`.
 */
export async function startApi (resources: BenchResources, dir: string, name: string, env: Record<string, string>): Promise<Started> {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const log = join(dir, `${name}.log`)
  const child = await resources.start('src/server.ts', {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ADMIN_TOKEN,
    ADMIN_RATE_LIMIT: '100000',
    REDISTILL_INTERVAL: 'off',
    TEACHER_RETRAIN_INTERVAL: 'off',
    EVENT_LOG_PATH: join(dir, `${name}-events.jsonl`),
    ...env
  }, `${origin}/health/ready`, log)
  guard(child)
  return { origin, child, log }
}

/** `npm run worker`'s process, with its /health on a free WORKER_METRICS_PORT. */
export async function startWorker (resources: BenchResources, dir: string, env: Record<string, string>): Promise<Started> {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const log = join(dir, 'worker.log')
  const child = await resources.start('src/worker.ts', {
    WORKER_METRICS_PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    REDISTILL_INTERVAL: 'off',
    TEACHER_RETRAIN_INTERVAL: 'off',
    EVENT_LOG_PATH: join(dir, 'worker-events.jsonl'),
    ...env
  }, `${origin}/health`, log)
  guard(child)
  return { origin, child, log }
}

/** A throwaway redis-server (no persistence) on a free port, killed when `resources` close. */
export async function startRedis (resources: BenchResources, dir: string): Promise<{ url: string, port: number }> {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  guard(child)
  resources.onClose(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill('SIGKILL')
    await exited
  })
  const spawnFailed = once(child, 'error').then(([err]) => { throw err instanceof Error ? err : new Error(String(err)) })
  spawnFailed.catch(() => {})
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  probe.on('error', () => {})
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode} (is redis-server installed?)`)
    try {
      await Promise.race([probe.connect(), spawnFailed])
      if (await probe.ping() === 'PONG') return { url: `redis://127.0.0.1:${port}`, port }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('redis-server not found on PATH (or pass --skip-redis)')
    } finally {
      probe.disconnect()
    }
    await sleep(25)
  }
  throw new Error(`redis-server did not start on port ${port}`)
}
