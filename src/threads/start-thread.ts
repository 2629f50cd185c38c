import { Worker } from 'node:worker_threads'

export interface ThreadOptions {
  /**
   * Run the thread this many nice values below the thread that starts it (at most 19; Linux, where
   * a nice value is per thread and a new thread starts at its maker's), set before the thread loads
   * any module: a loading thread's start-up (about 230 ms of CPU from sources, 30 ms compiled)
   * then does not compete with serving either. Relative, not absolute: a service started at nice 10
   * gave its loading thread nice 10, the serving thread's own weight. Ignored where the OS refuses.
   */
  nice?: number
}

let tsx: string | undefined

/**
 * Starts a worker thread on a module of this project, given as `./name` relative to `base` (the
 * caller's import.meta.url). The build runs the compiled .js; from sources (tsx) the thread
 * registers tsx before loading the .ts, as a worker does not inherit the parent's loader hooks on
 * Node 20.
 */
export function startThread (base: string, name: string, workerData: unknown, { nice }: ThreadOptions = {}): Worker {
  const fromSource = base.endsWith('.ts')
  const url = new URL(`${name}${fromSource ? '.ts' : '.js'}`, base)
  if (!fromSource && nice === undefined) return new Worker(url, { workerData })
  const first = nice === undefined ? '' : `{ const os = require('node:os'); try { os.setPriority(Math.min(19, os.getPriority() + ${Math.trunc(nice)})) } catch {} }\n`
  // resolved once: under tsx a resolve waits on the loader thread (40 ms of the serving thread each)
  if (fromSource) tsx ??= import.meta.resolve('tsx/esm/api')
  const load = fromSource
    ? `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}) })`
    : `import(${JSON.stringify(url.href)})`
  return new Worker(first + load, { eval: true, workerData })
}
