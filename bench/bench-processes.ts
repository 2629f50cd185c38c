/**
 * The processes a serving benchmark starts (the service, the hello-world baseline, training CLIs)
 * and the temp dirs it makes, all released by one `close()`, also after a failure or Ctrl-C.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SERVICE_NODE_FLAGS } from '../src/threads/service-flags.js'

// a 1,000,000-item catalogue may start slower than this on a loaded machine: BENCH_READY_TIMEOUT_MS raises it
const READY_TIMEOUT_MS = Number(process.env.BENCH_READY_TIMEOUT_MS ?? 120_000)
const STOP_TIMEOUT_MS = 15_000

/**
 * A free port below Linux's ephemeral range (32768+), so no process listening on port 0 (a test
 * run spawning the service, say) can take it between this check and the child's listen.
 */
export async function freePort (): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    if (await canListen(port)) return port
  }
  throw new Error('no free port found in 20000-31999')
}

async function canListen (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

export class BenchResources {
  readonly #children = new Set<ChildProcess>()
  readonly #stopping = new Set<ChildProcess>()
  readonly #dirs: string[] = []
  readonly #cleanups: Array<() => Promise<void>> = []
  #closed = false

  /** A fresh temp dir, removed on close. */
  async tempDir (label: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `distillrec-${label}-`))
    this.#dirs.push(dir)
    return dir
  }

  /** Runs before the processes are stopped and the dirs removed (e.g. deleting Redis keys). */
  onClose (cleanup: () => Promise<void>): void {
    this.#cleanups.push(cleanup)
  }

  /**
   * Starts `node --import tsx script` and resolves once `readyUrl` answers 2xx; its stdout and
   * stderr go to `logFile` when given (see `logTail`), else stdout is dropped.
   */
  async start (script: string, env: Record<string, string>, readyUrl: string, logFile?: string): Promise<ChildProcess> {
    const log = logFile === undefined ? undefined : openSync(logFile, 'a')
    let child: ChildProcess
    try {
      child = this.#spawn(script, [], env, log === undefined ? ['ignore', 'ignore', 'inherit'] : ['ignore', log, log])
    } finally {
      if (log !== undefined) closeSync(log)
    }
    const deadline = Date.now() + READY_TIMEOUT_MS
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${script} exited with ${child.exitCode ?? child.signalCode} before it was ready`)
      try {
        // still running after the answer: it came from this child, not from a stranger on the port
        if ((await fetch(readyUrl)).ok && child.exitCode === null && child.signalCode === null) return child
      } catch {}
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    await this.stop(child)
    throw new Error(`${script} not ready within ${READY_TIMEOUT_MS / 1000} s`)
  }

  /** Runs a CLI to completion, its output on stderr; rejects on a non-zero exit. */
  async run (script: string, args: readonly string[], env: Record<string, string> = {}): Promise<void> {
    const child = this.#spawn(script, args, env, ['ignore', process.stderr, 'inherit'])
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
    if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited with ${code}`)
  }

  /** SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT_MS. */
  async stop (child: ChildProcess): Promise<void> {
    this.#stopping.add(child)
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    }
    this.#children.delete(child)
  }

  /** Idempotent; reports what it could not release and carries on. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const cleanup of this.#cleanups) {
      try {
        await cleanup()
      } catch (err) {
        process.stderr.write(`cleanup failed: ${(err as Error).message}\n`)
      }
    }
    await Promise.all([...this.#children].map(async (child) => await this.stop(child)))
    for (const dir of this.#dirs) await rm(dir, { recursive: true, force: true })
  }

  #spawn (script: string, args: readonly string[], env: Record<string, string>, stdio: StdioOptions): ChildProcess {
    // benches measure serving alone unless they ask for the worker (WORKER=embedded)
    // the service as it is deployed (its node flags); other scripts as they are
    const flags = script.endsWith('src/server.ts') ? SERVICE_NODE_FLAGS : []
    const child = spawn(process.execPath, [...flags, '--import', 'tsx', script, ...args], { env: { ...process.env, WORKER: 'off', ...env }, stdio })
    this.#children.add(child)
    child.once('exit', (code, signal) => {
      this.#children.delete(child)
      // a dead service shows up as refused connections; say how it died
      if (!this.#stopping.has(child) && !this.#closed && code !== 0) process.stderr.write(`${script} (pid ${child.pid}) exited unexpectedly: ${signal ?? `code ${code}`}\n`)
      this.#stopping.delete(child)
    })
    return child
  }
}

/** The last `lines` lines of a log file, or '' when it cannot be read. */
export async function logTail (file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

/** Closes `resources` on SIGINT/SIGTERM too, then exits with 130. */
/** Runs a benchmark with its resources, released at the end, on a failure and on Ctrl-C. */
export async function withResources (run: (resources: BenchResources) => Promise<void>): Promise<void> {
  const resources = new BenchResources()
  closeOnSignal(resources)
  try {
    await run(resources)
  } finally {
    await resources.close()
  }
}

export function closeOnSignal (resources: BenchResources): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`${signal}: stopping the benchmark's processes and removing its temp files\n`)
      resources.close().finally(() => process.exit(130))
    })
  }
}
